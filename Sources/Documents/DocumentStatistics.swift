import Core
import Directory
import Foundation
import SQLKit
import Storage

/// Document and task figures per agency for a period: received and sent (and how many went
/// electronically), incoming documents processed on time or late, tasks on time or overdue.
public struct DocumentStatistics: Encodable, Sendable, Equatable {
    public struct Row: Encodable, Sendable, Equatable {
        public var agency: String
        public var agencyName: String
        public var received = 0
        public var receivedElectronic = 0
        public var sent = 0
        public var sentElectronic = 0
        public var processedOnTime = 0
        public var processedLate = 0
        public var openOverdue = 0
        public var tasksOnTime = 0
        public var tasksLate = 0
        public var tasksOverdue = 0

        /// Share of documents exchanged electronically (the plan's target is 80%+).
        public var electronicShare: Double {
            let total = received + sent
            return total == 0 ? 0 : Double(receivedElectronic + sentElectronic) / Double(total)
        }

        enum CodingKeys: String, CodingKey {
            case agency, agencyName, received, receivedElectronic, sent, sentElectronic, processedOnTime, processedLate, openOverdue
            case tasksOnTime, tasksLate, tasksOverdue, electronicShare
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(agency, forKey: .agency)
            try c.encode(agencyName, forKey: .agencyName)
            for (key, value) in [
                (CodingKeys.received, received), (.receivedElectronic, receivedElectronic), (.sent, sent), (.sentElectronic, sentElectronic),
                (.processedOnTime, processedOnTime), (.processedLate, processedLate), (.openOverdue, openOverdue),
                (.tasksOnTime, tasksOnTime), (.tasksLate, tasksLate), (.tasksOverdue, tasksOverdue),
            ] {
                try c.encode(value, forKey: key)
            }
            try c.encode(electronicShare, forKey: .electronicShare)
        }

        mutating func add(_ other: Row) {
            received += other.received
            receivedElectronic += other.receivedElectronic
            sent += other.sent
            sentElectronic += other.sentElectronic
            processedOnTime += other.processedOnTime
            processedLate += other.processedLate
            openOverdue += other.openOverdue
            tasksOnTime += other.tasksOnTime
            tasksLate += other.tasksLate
            tasksOverdue += other.tasksOverdue
        }
    }

    public let from: LocalDate
    public let to: LocalDate
    public let rows: [Row]
    public let total: Row
}

extension DocumentStore {
    /// Figures for the principal's agency, or for every agency for those who follow the province.
    public func statistics(from: LocalDate, to: LocalDate, provinceWide: Bool, for principal: Principal) async throws -> DocumentStatistics {
        guard from <= to, from.days(until: to) <= 3660 else { throw DomainError.invalid("to", "Khoảng thời gian không hợp lệ", "Invalid period") }
        guard provinceWide || principal.agency != nil else {
            throw DomainError.forbidden(messageVi: "Chỉ cán bộ của cơ quan xem thống kê", messageEn: "Only agency staff see statistics")
        }
        let start = VietnamTime.instant(LocalDateTime(date: from, time: LocalTime(hour: 0, minute: 0))).epochMillis
        let end = VietnamTime.instant(LocalDateTime(date: to.adding(days: 1), time: LocalTime(hour: 0, minute: 0))).epochMillis
        let today = VietnamTime.today(clock.now())
        let scope = provinceWide ? nil : principal.agency
        struct Doc: Decodable {
            let agency: String, direction: String, status: String, channel: String?, arrivedAt: Int64?, issuedAt: Int64?
            let deadline: String?, finishedAt: Int64?, exchangeDocumentId: String?
        }
        struct TaskFigure: Decodable { let ownerAgency: String, status: String, deadline: String, completedAt: Int64?, completedOnTime: Int? }
        let (documents, tasks) = try await database.readReplica(ownWritesMatter: false) { db -> ([Doc], [TaskFigure]) in
            let docs = db.select().columns(
                "agency",
                "direction",
                "status",
                "channel",
                "arrived_at",
                "issued_at",
                "deadline",
                "finished_at",
                "exchange_document_id"
            )
            .from("documents").where { group in
                _ = group.where("arrived_at", .greaterThanOrEqual, start).where("arrived_at", .lessThan, end)
                _ = group.orWhere { $0.where("issued_at", .greaterThanOrEqual, start).where("issued_at", .lessThan, end) }
                _ = group.orWhere { $0.where("finished_at", .greaterThanOrEqual, start).where("finished_at", .lessThan, end) }
                _ = group.orWhere {
                    $0.where("direction", .equal, "in").where("finished_at", .is, SQLLiteral.null).where("deadline", .isNot, SQLLiteral.null)
                }
                return group
            }
            if let scope { docs.where("agency", .equal, scope) }
            let taskQuery = db.select().columns("owner_agency", "status", "deadline", "completed_at", "completed_on_time").from("tasks")
            if let scope { taskQuery.where("owner_agency", .equal, scope) }
            return (
                try await docs.all(decoding: Doc.self, keyDecodingStrategy: .convertFromSnakeCase),
                try await taskQuery.all(decoding: TaskFigure.self, keyDecodingStrategy: .convertFromSnakeCase)
            )
        }
        var rows: [String: DocumentStatistics.Row] = [:]
        func row(_ agency: String) -> DocumentStatistics.Row { rows[agency] ?? .init(agency: agency, agencyName: agency) }
        for doc in documents {
            var r = row(doc.agency)
            if doc.direction == "in", let arrived = doc.arrivedAt, (start..<end).contains(arrived) {
                r.received += 1
                if doc.channel == ArrivalChannel.exchange.rawValue { r.receivedElectronic += 1 }
            }
            if doc.direction == "out", let issued = doc.issuedAt, (start..<end).contains(issued) {
                r.sent += 1
                if doc.exchangeDocumentId != nil { r.sentElectronic += 1 }
            }
            if doc.direction == "in", let deadline = doc.deadline.flatMap({ LocalDate(iso: $0) }) {
                if let finished = doc.finishedAt {
                    if (start..<end).contains(finished) {
                        if VietnamTime.local(Date(epochMillis: finished)).date <= deadline { r.processedOnTime += 1 } else { r.processedLate += 1 }
                    }
                } else if deadline < today {
                    r.openOverdue += 1
                }
            }
            rows[doc.agency] = r
        }
        for task in tasks {
            var r = row(task.ownerAgency)
            if let completed = task.completedAt, (start..<end).contains(completed) {
                if task.completedOnTime == 1 { r.tasksOnTime += 1 } else { r.tasksLate += 1 }
            } else if task.status == TrackedTask.Status.open.rawValue, let deadline = LocalDate(iso: task.deadline), deadline < today {
                r.tasksOverdue += 1
            }
            rows[task.ownerAgency] = r
        }
        // One directory read for every agency's name (not one per row).
        let names = try await directory.names()
        let named = rows.values.map { row in
            var row = row
            row.agencyName = names[row.agency] ?? row.agency
            return row
        }
        let sorted = named.sorted { $0.agency < $1.agency }
        var total = DocumentStatistics.Row(agency: "", agencyName: "Tổng cộng")
        for r in sorted { total.add(r) }
        return DocumentStatistics(from: from, to: to, rows: sorted, total: total)
    }
}
