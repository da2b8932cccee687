import Core
import Foundation
import SQLKit

/// The stored form of a dossier: read with `SELECT *`, and written from the same type (its
/// coding keys are the only place a column is named besides the migrations).
struct DossierRow: Codable, Sendable {
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
    let applicantPhone: String
    let applicantCitizenId: String?
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
    let updatedAt: Int64
    let version: Int
    let fieldCode: String?
    let fieldName: String?
    /// The procedure's fees at submission, as JSON `[{"name", "amount"}]`.
    let fees: String?
    /// The end time of the national on-time rule: processing finished, else stopped or refused.
    let endAt: Int64?
    /// The procedure's online level at submission.
    let onlineLevel: String?

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
        case applicantPhone = "applicant_phone"
        case applicantCitizenId = "applicant_citizen_id"
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
        case updatedAt = "updated_at"
        case version
        case fieldCode = "field_code"
        case fieldName = "field_name"
        case fees
        case endAt = "end_at"
        case onlineLevel = "online_level"
    }

    /// Every column but the generated `id` (a new row is inserted from this).
    func encode(to encoder: any Encoder) throws {
        var row = encoder.container(keyedBy: CodingKeys.self)
        try row.encode(code, forKey: .code)
        try row.encode(procedureCode, forKey: .procedureCode)
        try row.encode(procedureName, forKey: .procedureName)
        try row.encode(receivingAgency, forKey: .receivingAgency)
        try row.encode(implementingAgency, forKey: .implementingAgency)
        try row.encode(currentAgency, forKey: .currentAgency)
        try row.encode(currentStep, forKey: .currentStep)
        try row.encode(stepCount, forKey: .stepCount)
        try row.encodeIfPresent(assignedUserId, forKey: .assignedUserId)
        try row.encodeIfPresent(assignedUsername, forKey: .assignedUsername)
        try row.encode(channel, forKey: .channel)
        try row.encode(status, forKey: .status)
        try row.encodeIfPresent(resumeStatus, forKey: .resumeStatus)
        try row.encode(applicant, forKey: .applicant)
        try row.encode(applicantPhone, forKey: .applicantPhone)
        try row.encodeIfPresent(applicantCitizenId, forKey: .applicantCitizenId)
        try row.encode(subject, forKey: .subject)
        try row.encodeIfPresent(ownerUserId, forKey: .ownerUserId)
        try row.encode(createdAt, forKey: .createdAt)
        try row.encodeIfPresent(receivedAt, forKey: .receivedAt)
        try row.encodeIfPresent(dueAt, forKey: .dueAt)
        try row.encodeIfPresent(pausedAt, forKey: .pausedAt)
        try row.encode(pausedDays, forKey: .pausedDays)
        try row.encode(supplementCount, forKey: .supplementCount)
        try row.encode(extensionCount, forKey: .extensionCount)
        try row.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try row.encodeIfPresent(endedAt, forKey: .endedAt)
        try row.encodeIfPresent(returnedAt, forKey: .returnedAt)
        try row.encode(updatedAt, forKey: .updatedAt)
        try row.encode(version, forKey: .version)
        try row.encodeIfPresent(fieldCode, forKey: .fieldCode)
        try row.encodeIfPresent(fieldName, forKey: .fieldName)
        try row.encodeIfPresent(fees, forKey: .fees)
        try row.encodeIfPresent(endAt, forKey: .endAt)
        try row.encodeIfPresent(onlineLevel, forKey: .onlineLevel)
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
