import Core
import Foundation
import SQLKit

/// The stored form of a dossier.
struct DossierRow: Decodable, Sendable {
    let id: Int64
    let code: String
    let procedureCode: String
    let procedureName: String
    let receivingAgency: String
    let implementingAgency: String
    let currentAgency: String
    let currentStep: Int
    let stepCount: Int
    let assignedUserId: Int64?
    let assignedUsername: String?
    let channel: Int
    let status: String
    let resumeStatus: String?
    let applicant: String
    let subject: String
    let ownerUserId: Int64?
    let createdAt: Int64
    let receivedAt: Int64?
    let dueAt: Int64?
    let pausedAt: Int64?
    let pausedDays: Int
    let supplementCount: Int
    let extensionCount: Int
    let finishedAt: Int64?
    let endedAt: Int64?
    let returnedAt: Int64?
    let version: Int
    let fieldCode: String?
    let fieldName: String?
    /// The procedure's fees at submission, as JSON `[{"name", "amount"}]`.
    let fees: String?
    /// The end time of the national on-time rule: processing finished, else stopped or refused.
    let endAt: Int64?

    /// Column names spelled out: converting keys per row showed in the status-lookup profile.
    enum CodingKeys: String, CodingKey {
        case id
        case code
        case procedureCode = "procedure_code"
        case procedureName = "procedure_name"
        case receivingAgency = "receiving_agency"
        case implementingAgency = "implementing_agency"
        case currentAgency = "current_agency"
        case currentStep = "current_step"
        case stepCount = "step_count"
        case assignedUserId = "assigned_user_id"
        case assignedUsername = "assigned_username"
        case channel
        case status
        case resumeStatus = "resume_status"
        case applicant
        case subject
        case ownerUserId = "owner_user_id"
        case createdAt = "created_at"
        case receivedAt = "received_at"
        case dueAt = "due_at"
        case pausedAt = "paused_at"
        case pausedDays = "paused_days"
        case supplementCount = "supplement_count"
        case extensionCount = "extension_count"
        case finishedAt = "finished_at"
        case endedAt = "ended_at"
        case returnedAt = "returned_at"
        case version
        case fieldCode = "field_code"
        case fieldName = "field_name"
        case fees
        case endAt = "end_at"
    }

    var statusValue: DossierStatus { DossierStatus(rawValue: status) ?? .stopped }

    var dossier: Dossier {
        let applicant = (try? JSONDecoder().decode(Applicant.self, from: Data(self.applicant.utf8))) ?? Applicant(fullName: "?", phone: "")
        return Dossier(
            code: code,
            procedureCode: procedureCode,
            procedureName: procedureName,
            receivingAgency: receivingAgency,
            implementingAgency: implementingAgency,
            currentAgency: currentAgency,
            currentStep: currentStep,
            stepCount: stepCount,
            assignedUsername: assignedUsername,
            channel: Channel(rawValue: channel) ?? .counter,
            status: statusValue,
            nationalStatus: statusValue.nationalCode,
            applicant: applicant,
            subject: subject,
            ownerUserId: ownerUserId,
            createdAt: createdAt,
            receivedAt: receivedAt,
            dueAt: dueAt,
            pausedAt: pausedAt,
            pausedDays: pausedDays,
            supplementCount: supplementCount,
            extensionCount: extensionCount,
            finishedAt: finishedAt,
            endedAt: endedAt,
            returnedAt: returnedAt,
            version: version
        )
    }

    static func load(code: String, _ db: any SQLDatabase) async throws -> DossierRow? {
        try await db.select().column("*").from("dossiers").where("code", .equal, code)
            .first(decoding: DossierRow.self)
    }

    static func agencies(of id: Int64, _ db: any SQLDatabase) async throws -> Set<String> {
        Set(
            try await db.select().column("agency_identifier").from("dossier_agencies").where("dossier_id", .equal, id).all()
                .map { try $0.decode(column: "agency_identifier", as: String.self) }
        )
    }
}

/// Who may see a dossier: its owner, staff of an agency taking part, and system-wide roles.
enum DossierVisibility {
    static func canRead(_ row: DossierRow, agencies: Set<String>, principal: Principal) -> Bool {
        if principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor) { return true }
        if let owner = row.ownerUserId, owner == principal.userID { return true }
        guard let agency = principal.agency, principal.roles.contains(where: \.isStaffRole) else { return false }
        return agencies.contains(agency)
    }

    static func actor(_ row: DossierRow, principal: Principal) -> DossierRules.Actor {
        DossierRules.Actor(
            principal: principal,
            isOwner: row.ownerUserId != nil && row.ownerUserId == principal.userID,
            atReceivingAgency: principal.agency == row.receivingAgency,
            atCurrentAgency: principal.agency == row.currentAgency
        )
    }
}
