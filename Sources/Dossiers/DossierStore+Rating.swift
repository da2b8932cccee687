import Audit
import Core
import Delivery
import Foundation
import SQLKit
import Storage

/// The applicant's satisfaction with a finished dossier.
public enum Satisfaction: Int, Codable, Sendable, CaseIterable {
    case verySatisfied = 1
    case satisfied = 2
    case notSatisfied = 3

    public var nameVi: String {
        switch self {
        case .verySatisfied: "Rất hài lòng"
        case .satisfied: "Hài lòng"
        case .notSatisfied: "Không hài lòng"
        }
    }

    public var nameEn: String {
        switch self {
        case .verySatisfied: "Very satisfied"
        case .satisfied: "Satisfied"
        case .notSatisfied: "Not satisfied"
        }
    }
}

/// A rating as given.
public struct Rating: Codable, Sendable, Equatable {
    public let rating: Satisfaction
    public let comment: String?
    public let at: Int64
}

extension DossierStore {
    /// Records the owner's rating once the result has been returned; once only. The rating is
    /// audited; the national portal gets it in the month's summary (`queueRatingSummaries`).
    public func rate(_ code: String, rating: Satisfaction, comment: String?, by principal: Principal, requestID: String?) async throws -> Rating {
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let note = text.isEmpty ? nil : String(text.prefix(1000))
        let now = clock.millis()
        let clock = clock
        return try await database.transaction { db in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            guard row.ownerUserId != nil, row.ownerUserId == principal.userID else {
                throw DomainError.forbidden(messageVi: "Chỉ chủ hồ sơ được đánh giá", messageEn: "Only the applicant may rate")
            }
            guard row.statusValue == .returned else {
                throw DomainError.conflict(
                    messageVi: "Chỉ đánh giá sau khi đã nhận kết quả",
                    messageEn: "You can rate once the result has been returned"
                )
            }
            guard try await db.select().column("dossier_id").from("dossier_ratings").where("dossier_id", .equal, row.id).first() == nil else {
                throw DomainError.conflict(messageVi: "Hồ sơ đã được đánh giá", messageEn: "This dossier has already been rated")
            }
            try await db.insert(into: "dossier_ratings").columns("dossier_id", "rating", "comment", "rated_by", "at")
                .values(SQLBind(row.id), SQLBind(rating.rawValue), SQLBind(note), SQLBind(principal.username), SQLBind(now)).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "dossier.rate",
                    targetType: "dossier",
                    targetID: code,
                    requestID: requestID,
                    change: ["rating": String(rating.rawValue)]
                ),
                on: db,
                clock: clock
            )
            return Rating(rating: rating, comment: note, at: now)
        }
    }

    /// The rating of a dossier, if any.
    public func rating(of code: String) async throws -> Rating? {
        try await database.read { db in
            guard let row = try await DossierRow.load(code: code, db),
                let rated = try await db.select().columns("rating", "comment", "at").from("dossier_ratings").where("dossier_id", .equal, row.id)
                    .first(),
                let value = Satisfaction(rawValue: try rated.decode(column: "rating", as: Int.self))
            else { return nil }
            return Rating(
                rating: value,
                comment: try rated.decode(column: "comment", as: String?.self),
                at: try rated.decode(column: "at", as: Int64.self)
            )
        }
    }
}
