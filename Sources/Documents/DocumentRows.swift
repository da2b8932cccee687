import Core
import DocumentExchange
import Foundation
import SQLKit

/// A `documents` row as stored.
struct DocumentRow: Decodable, Sendable {
    let id: Int64, agency: String, direction: String, status: String, registerNumber: Int?, registerYear: Int?, series: String
    let codeNumber: String?, codeNotation: String?, typeCode: String, subject: String, summary: String, urgency: Int, secrecy: Int
    let counterpart: String?, counterpartName: String?, documentDate: String?, arrivedAt: Int64?, issuedAt: Int64?, channel: String?
    let exchangeMessageId: Int64?, exchangeDocumentId: String?, draftingUnit: String?, signer: String?, signerName: String?, signerPosition: String?
    let recipients: String, approvers: String, approvalStep: Int, deadline: String?, finishedAt: Int64?, responseFor: Int64?
    let businessType: Int, originalId: Int64?, supersededBy: Int64?, searchText: String, createdBy: String, createdAt: Int64, updatedAt: Int64
    let signatureChecks: String?, unverifiedReason: String?, senderChange: Int?, senderChangeNote: String?

    var secrecyValue: Secrecy { Secrecy(rawValue: secrecy) ?? .normal }

    var document: OfficialDocument {
        let type = DocumentType.find(typeCode) ?? DocumentType.all[0]
        return OfficialDocument(
            id: id,
            agency: agency,
            direction: DocumentDirection(rawValue: direction) ?? .incoming,
            status: DocumentStatus(rawValue: status) ?? .draft,
            registerNumber: registerNumber,
            registerYear: registerYear,
            codeNumber: codeNumber,
            codeNotation: codeNotation,
            typeCode: type.code,
            typeName: type.nameVi,
            subject: subject,
            summary: summary,
            urgency: Urgency(rawValue: urgency) ?? .normal,
            secrecy: secrecyValue,
            counterpart: counterpart,
            counterpartName: counterpartName,
            documentDate: documentDate.flatMap { LocalDate(iso: $0) },
            arrivedAt: arrivedAt,
            issuedAt: issuedAt,
            channel: channel.flatMap(ArrivalChannel.init(rawValue:)),
            exchangeMessageId: exchangeMessageId,
            exchangeDocumentId: exchangeDocumentId,
            draftingUnit: draftingUnit,
            signer: signer,
            signerName: signerName,
            signerPosition: signerPosition,
            recipients: (try? JSONDecoder().decode([OfficialDocument.Recipient].self, from: Data(recipients.utf8))) ?? [],
            approvers: (try? JSONDecoder().decode([String].self, from: Data(approvers.utf8))) ?? [],
            approvalStep: approvalStep,
            deadline: deadline.flatMap { LocalDate(iso: $0) },
            finishedAt: finishedAt,
            responseFor: responseFor,
            businessType: businessType,
            originalId: originalId,
            supersededBy: supersededBy,
            createdBy: createdBy,
            createdAt: createdAt,
            updatedAt: updatedAt,
            verification: signatureChecks.flatMap { try? JSONDecoder().decode([ExchangeMessage.SignatureCheck].self, from: Data($0.utf8)) }
                .map { OfficialDocument.Verification(checks: $0, acceptedReason: unverifiedReason) },
            senderChange: senderChange.map { OfficialDocument.SenderChange(businessType: $0, note: senderChangeNote ?? "") }
        )
    }

    static func load(_ id: Int64, _ db: any SQLDatabase) async throws -> DocumentRow? {
        try await db.select().column("*").from("documents").where("id", .equal, id).first(
            decoding: DocumentRow.self,
            keyDecodingStrategy: .convertFromSnakeCase
        )
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

struct AssignmentRow: Decodable, Sendable {
    let id: Int64, documentId: Int64, parentId: Int64?, role: String, assigneeUser: String?, assigneeDepartment: String?, assignedBy: String
    let deadline: String?, instructions: String, status: String, createdAt: Int64

    var assignment: Assignment {
        Assignment(
            id: id,
            parentId: parentId,
            role: Assignment.Role(rawValue: role) ?? .inform,
            assignee: Assignee(user: assigneeUser, department: assigneeDepartment),
            assignedBy: assignedBy,
            deadline: deadline.flatMap { LocalDate(iso: $0) },
            instructions: instructions,
            status: Assignment.Status(rawValue: status) ?? .open,
            createdAt: createdAt
        )
    }
}

/// A new row of `document_assignments`, each column named once by its coding key.
struct NewAssignmentRow: Encodable, Sendable {
    let documentId: Int64
    let parentId: Int64?
    let role: String
    let assigneeUser: String?
    let assigneeDepartment: String?
    let assignedBy: String
    let deadline: String?
    let instructions: String
    let status: String
    let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case documentId = "document_id"
        case parentId = "parent_id"
        case role
        case assigneeUser = "assignee_user"
        case assigneeDepartment = "assignee_department"
        case assignedBy = "assigned_by"
        case deadline, instructions, status
        case createdAt = "created_at"
    }
}

struct FileRow: Decodable, Sendable {
    let id: Int64, name: String, contentType: String, sha256: String, size: Int64, version: Int, signatureSha256: String?, uploadedBy: String,
        createdAt: Int64

    var file: DocumentFile {
        DocumentFile(
            id: id,
            name: name,
            contentType: contentType,
            sha256: sha256,
            size: size,
            version: version,
            signed: signatureSha256 != nil,
            uploadedBy: uploadedBy,
            createdAt: createdAt
        )
    }
}
