import Core
import DocumentExchange
import Foundation
import SQLKit
import Storage

/// Lists, search and register books: only what the principal may see.
extension DocumentStore {
    /// Restricts a query to documents the principal may see (same rule as `DocumentRules.maySee`).
    func restrict(_ query: SQLSelectBuilder, to principal: Principal) throws -> SQLSelectBuilder {
        guard let agency = principal.agency, principal.roles.contains(where: \.isStaffRole) else {
            throw DomainError.forbidden(messageVi: "Chỉ cán bộ xem văn bản", messageEn: "Only staff see documents")
        }
        let named = SQLSubquery.select { sub in
            sub.column("document_id").from("document_readers").where("username", .equal, principal.username)
        }
        let seesAll = !principal.roles.isDisjoint(with: [.clerk, .leader])
        return query.where("agency", .equal, agency).where { group in
            _ = group.where(SQLIdentifier("id"), .in, named)
            if seesAll { _ = group.orWhere("secrecy", .equal, 0) }
            return group
        }
    }

    /// Documents of one direction, newest first; `overdueOnly` keeps unfinished ones past their deadline.
    public func list(_ query: DocumentQuery, for principal: Principal, page: PageRequest, overdueOnly: Bool = false) async throws -> Page<
        OfficialDocument
    > {
        let after = try page.afterKey()
        let today = VietnamTime.today(clock.now())
        let rows = try await database.readReplica { db in
            let select = try restrict(db.select().column("*").from("documents"), to: principal)
            if let direction = query.direction { select.where("direction", .equal, direction.rawValue) }
            if let status = query.status { select.where("status", .equal, status.rawValue) }
            if let type = query.typeCode, !type.isEmpty { select.where("type_code", .equal, type) }
            if let text = query.text.map(TextFolding.fold), !text.isEmpty {
                for word in text.split(separator: " ").prefix(8) { select.where("search_text", .like, TextFolding.containsPattern(String(word))) }
            }
            if let from = query.from { select.where("document_date", .greaterThanOrEqual, from.iso) }
            if let to = query.to { select.where("document_date", .lessThanOrEqual, to.iso) }
            if let user = query.assignedTo {
                let held = SQLSubquery.select { sub in
                    sub.column("document_id").from("document_assignments").where("assignee_user", .equal, user)
                        .where("status", .in, [Assignment.Status.open.rawValue, Assignment.Status.processing.rawValue])
                }
                select.where(SQLIdentifier("id"), .in, held)
            }
            if overdueOnly {
                select.where(
                    "status",
                    .in,
                    [DocumentStatus.registered.rawValue, DocumentStatus.assigned.rawValue, DocumentStatus.processing.rawValue]
                )
                .where("deadline", .lessThan, today.iso)
            }
            if let after { select.where("id", .lessThan, after) }
            return try await select.orderBy("id", .descending).limit(page.limit + 1).all(
                decoding: DocumentRow.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
        }
        return Page(fetched: rows, limit: page.limit, key: \.id, transform: \.document)
    }

    /// A register book (sổ đăng ký) of the principal's agency for a year, in number order.
    /// Secret series appear only for documents the principal is named on.
    public func registerBook(_ direction: DocumentDirection, year: Int, for principal: Principal) async throws -> [OfficialDocument] {
        try await database.readReplica { db in
            try await restrict(db.select().column("*").from("documents"), to: principal).where("direction", .equal, direction.rawValue)
                .where("register_year", .equal, year).where("register_number", .isNot, SQLLiteral.null)
                .orderBy("series").orderBy("register_number").all(decoding: DocumentRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(
                    \.document
                )
        }
    }

    /// A register book as CSV (UTF-8 with BOM for spreadsheet programs).
    public func registerCSV(_ direction: DocumentDirection, year: Int, for principal: Principal) async throws -> String {
        let documents = try await registerBook(direction, year: year, for: principal)
        let header =
            direction == .incoming
            ? ["Số đến", "Ngày đến", "Nơi gửi", "Số, ký hiệu", "Ngày văn bản", "Loại", "Trích yếu", "Độ khẩn", "Độ mật", "Hạn xử lý", "Trạng thái"]
            : ["Số", "Ký hiệu", "Ngày ban hành", "Loại", "Trích yếu", "Người ký", "Nơi nhận", "Độ khẩn", "Độ mật", "Trạng thái"]
        let rows = documents.map { d -> [String] in
            let number = d.registerNumber.map(DocumentRules.formatNumber) ?? ""
            if direction == .incoming {
                return [
                    number, d.arrivedAt.map { VietnamTime.local(Date(epochMillis: $0)).date.display } ?? "", d.counterpartName ?? "", d.code ?? "",
                    d.documentDate?.display ?? "", d.typeName, d.subject, d.urgency.nameVi, d.secrecy.nameVi, d.deadline?.display ?? "",
                    d.status.nameVi,
                ]
            }
            return [
                number, d.codeNotation ?? "", d.documentDate?.display ?? "", d.typeName, d.subject, d.signerName ?? "",
                d.recipients.map { $0.name ?? $0.organId }.joined(separator: "; "), d.urgency.nameVi, d.secrecy.nameVi, d.status.nameVi,
            ]
        }
        return "\u{FEFF}" + CSV.write([header] + rows)
    }

    /// Documents received through the axis still to be registered.
    public func awaitingRegistration(for principal: Principal) async throws -> [ExchangeMessage] {
        guard !principal.roles.isDisjoint(with: [.clerk, .leader]) else { return [] }
        return try await exchange.awaitingRegistration(for: principal)
    }
}
