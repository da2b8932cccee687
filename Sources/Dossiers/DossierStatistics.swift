import Core
import Foundation
import SQLKit
import Storage

/// One row of the one-stop statistics (Circular 01/2020/TT-VPCP forms II.06a / 06 columns, plus
/// returned, withdrawn, online shares and average time).
public struct StatisticsRow: Codable, Sendable, Equatable {
    public let key: String
    public let name: String
    /// TongSo = received in the period + carried over.
    public let total: Int
    public let receivedOnline: Int
    public let receivedDirect: Int
    public let carriedOver: Int
    public let processed: Int
    public let processedBeforeDeadline: Int
    public let processedOnDeadline: Int
    public let processedLate: Int
    public let inProgress: Int
    public let inProgressWithinDeadline: Int
    public let inProgressOverdue: Int
    public let returned: Int
    public let withdrawn: Int
    /// Received online ÷ received in the period.
    public let onlineShare: Double
    /// Received online for fully online (toàn trình) procedures ÷ received in the period.
    public let fullyOnlineShare: Double
    /// Mean calendar days from receipt to the end of processing, for dossiers processed in the period.
    public let averageProcessingDays: Double
    /// Share processed on time (before or on the deadline) of those processed.
    public let onTimeShare: Double
    /// Ratings given in the period, and the share "very satisfied" or "satisfied".
    public let ratings: Int
    public let satisfactionShare: Double

    public var received: Int { receivedOnline + receivedDirect }
}

/// How statistics are grouped.
public enum StatisticsGrouping: String, Codable, Sendable, CaseIterable {
    case agency, field, procedure
}

/// A reporting period: calendar dates in Vietnam, both ends included.
public struct ReportingPeriod: Sendable, Equatable {
    public let from: LocalDate
    public let to: LocalDate

    public init(from: LocalDate, to: LocalDate) throws(ValidationError) {
        guard from <= to, from.days(until: to) <= 3660 else {
            throw ValidationError(
                field: "from",
                messageVi: "Kỳ báo cáo không hợp lệ (từ ngày phải trước đến ngày, tối đa 10 năm)",
                messageEn: "Invalid period (from must be before to, at most 10 years)"
            )
        }
        self.from = from
        self.to = to
    }

    /// The monthly report period of Decree 09/2019 as provinces apply it: the 15th of the
    /// previous month to the 14th of the month.
    public static func decree09Month(year: Int, month: Int) -> ReportingPeriod {
        let previous = month == 1 ? (year - 1, 12) : (year, month - 1)
        return try! ReportingPeriod(from: LocalDate(year: previous.0, month: previous.1, day: 15)!, to: LocalDate(year: year, month: month, day: 14)!)
    }

    /// A calendar month.
    public static func calendarMonth(year: Int, month: Int) -> ReportingPeriod {
        try! ReportingPeriod(
            from: LocalDate(year: year, month: month, day: 1)!,
            to: LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))!
        )
    }

    /// First and last instants (milliseconds), Asia/Ho_Chi_Minh.
    public var bounds: (Int64, Int64) {
        let start = VietnamTime.instant(LocalDateTime(date: from, time: LocalTime(hour: 0))).epochMillis
        let end = VietnamTime.instant(LocalDateTime(date: to.adding(days: 1), time: LocalTime(hour: 0))).epochMillis - 1
        return (start, end)
    }
}

/// What one row of the statistics counts: a whole dossier (province totals, the service
/// centre's form II.06a), or one agency's part of it (each agency's form 06).
public enum StatisticsUnit: String, Sendable {
    case dossier, agencyPart
}

/// The official form asked for: each agency's form 06 (its own part of every dossier it worked
/// on; the province total counts each dossier once), or form II.06a of the service centre (the
/// dossiers it received).
public enum StatisticsForm: String, Codable, Sendable, CaseIterable {
    case agency = "06"
    case serviceCentre = "II.06a"
}

extension DossierStore {
    /// Each unit's cells in the period, as `StatisticsRules.classify` decides them, in SQL:
    /// `intake` (online, direct, carried) and `timing` (before, on, late, within, overdue), NULL
    /// when not counted; with the columns the grouping and the other figures need. Units that
    /// are not counted but were returned or rated in the period are kept for those figures.
    public static func classificationSQL(_ period: ReportingPeriod, now: Int64, unit: StatisticsUnit = .dossier) -> String {
        let (from, to) = period.bounds
        let judgedAt = min(to, now)
        let paused = StatisticsRules.pausedStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let request = DossierAction.requestSupplement.rawValue
        let day = "+ 25200000) / 86400000"
        // The unit with the dossier's columns: its receipt, end, appointment and status (for a
        // part, when it reached the agency, left it, its own deadline and how it ended), and
        // whether it is the dossier's last (returns and ratings belong to that one).
        let units =
            switch unit {
            case .dossier:
                """
                SELECT d.id, 0 AS seq, d.implementing_agency AS agency, d.receiving_agency, d.field_code, d.field_name, d.procedure_code, d.procedure_name,
                  d.online_level, d.channel, d.status, d.received_at, d.end_at, d.due_at, d.returned_at, 1 AS is_last
                FROM dossiers d
                """
            case .agencyPart:
                """
                SELECT d.id, s.seq, s.agency_identifier AS agency, d.receiving_agency, d.field_code, d.field_name, d.procedure_code, d.procedure_name,
                  d.online_level, d.channel, s.status, s.started_at AS received_at, s.ended_at AS end_at, s.due_at,
                  CASE WHEN s.ended_at IS NOT NULL AND s.ended_at = d.end_at THEN d.returned_at END AS returned_at,
                  CASE WHEN s.ended_at IS NULL OR s.ended_at = d.end_at THEN 1 ELSE 0 END AS is_last
                FROM dossier_steps s JOIN dossiers d ON d.id = s.dossier_id
                """
            }
        let (dueColumn, ofUnit) = unit == .dossier ? ("due_at", "") : ("step_due_at", " AND e.step_seq = b.seq")
        let counted =
            "u.received_at IS NOT NULL AND u.received_at <= \(judgedAt) AND u.status <> '\(DossierStatus.refused.rawValue)' "
            + "AND (u.end_at IS NULL OR u.end_at > \(judgedAt) OR u.end_at >= \(from))"
        // Whether counted, and the moment the unit is judged at (its end, else the judging time).
        let base = """
            SELECT u.*,
              CASE WHEN \(counted) THEN 1 ELSE 0 END AS counted,
              CASE WHEN u.end_at <= \(judgedAt) THEN u.end_at END AS ended_at,
              CASE WHEN u.end_at <= \(judgedAt) THEN u.end_at ELSE \(judgedAt) END AS t
            FROM (\(units)) u
            WHERE (\(counted)) OR u.returned_at BETWEEN \(from) AND \(judgedAt)
              OR (u.is_last = 1 AND EXISTS (SELECT 1 FROM dossier_ratings r WHERE r.dossier_id = u.id AND r.at BETWEEN \(from) AND \(to)))
            """
        // Then, from the history as it stood at that moment: the appointment, the supplement
        // requests after receipt, and since when it waits for the applicant.
        let asOf = """
            SELECT b.*,
              COALESCE((SELECT e.\(dueColumn) FROM dossier_events e WHERE e.dossier_id = b.id\(ofUnit) AND e.at <= b.t AND e.\(dueColumn) IS NOT NULL
                        ORDER BY e.at DESC, e.id DESC LIMIT 1), b.due_at) AS due_t,
              (SELECT COUNT(*) FROM dossier_events e WHERE e.dossier_id = b.id\(ofUnit) AND e.action = '\(request)' AND e.at > b.received_at AND e.at <= b.t)
                AS requests,
              (SELECT CASE WHEN e.to_status IN (\(paused)) THEN e.at END FROM dossier_events e WHERE e.dossier_id = b.id\(ofUnit) AND e.at <= b.t
               ORDER BY e.at DESC, e.id DESC LIMIT 1) AS waiting_since
            FROM b
            """
        // Each step materialised once, so the history is read once per unit (PostgreSQL would
        // otherwise repeat the lookups in every expression that uses them, and JIT-compile them all).
        return """
            WITH b AS MATERIALIZED (\(base)),
            c AS MATERIALIZED (\(asOf))
            SELECT c.*,
              CASE WHEN c.counted = 0 THEN NULL WHEN c.received_at < \(from) THEN 'carried' WHEN c.channel = 2 THEN 'online' ELSE 'direct' END AS intake,
              CASE WHEN c.counted = 0 THEN NULL
                WHEN c.ended_at IS NOT NULL THEN
                  CASE WHEN c.status = '\(DossierStatus.withdrawn.rawValue)' THEN 'on'
                    WHEN c.requests > 1 OR c.ended_at > c.due_t THEN 'late'
                    WHEN c.due_t IS NULL OR (c.ended_at \(day) < (c.due_t \(day) THEN 'before'
                    ELSE 'on' END
                WHEN c.requests <= 1 AND (c.due_t IS NULL OR COALESCE(c.waiting_since, \(judgedAt)) <= c.due_t) THEN 'within'
                ELSE 'overdue' END AS timing
            FROM c
            """
    }

    /// The statistics query (the same text the platform runs; the benchmark runs it raw), without
    /// the filters and the grouping clause; `x.agency` is the implementing agency (dossiers) or
    /// the agency of the part.
    public static func statisticsSelect(_ period: ReportingPeriod, groupBy: StatisticsGrouping, now: Int64, unit: StatisticsUnit = .dossier)
        -> (select: String, key: String)
    {
        let (from, to) = period.bounds
        let keyColumns: (String, String) =
            switch groupBy {
            case .agency: ("agency", "agency")
            case .field: ("field_code", "field_name")
            case .procedure: ("procedure_code", "procedure_name")
            }
        func count(_ condition: String) -> String { "CAST(SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END) AS BIGINT)" }
        let processed = "x.timing IN ('before', 'on', 'late')"
        let select = """
            SELECT x.\(keyColumns.0) AS k, MAX(x.\(keyColumns.1)) AS n,
              \(count("x.intake = 'online'")) AS received_online,
              \(count("x.intake = 'direct'")) AS received_direct,
              \(count("x.intake = 'online' AND x.online_level = 'full'")) AS received_fully_online,
              \(count("x.intake = 'carried'")) AS carried_over,
              \(count(processed)) AS processed,
              \(count("x.timing = 'before'")) AS before_deadline,
              \(count("x.timing = 'on'")) AS on_deadline,
              \(count("x.timing = 'late'")) AS late,
              \(count("x.timing IN ('within', 'overdue')")) AS in_progress,
              \(count("x.timing = 'within'")) AS within_deadline,
              \(count("x.returned_at BETWEEN \(from) AND \(min(to, now))")) AS returned,
              \(count("\(processed) AND x.status = '\(DossierStatus.withdrawn.rawValue)'")) AS withdrawn,
              CAST(SUM(CASE WHEN \(processed) THEN x.ended_at - x.received_at ELSE 0 END) AS BIGINT) AS processing_ms,
              \(count("x.is_last = 1 AND r.at BETWEEN \(from) AND \(to)")) AS ratings,
              \(count("x.is_last = 1 AND r.at BETWEEN \(from) AND \(to) AND r.rating <= 2")) AS satisfied
            FROM (\(classificationSQL(period, now: now, unit: unit))) x LEFT JOIN dossier_ratings r ON r.dossier_id = x.id
            WHERE 1 = 1
            """
        return (select, "x." + keyColumns.0)
    }

    /// The whole statistics query for every agency, as `cqs statistics-sql` prints it.
    public static func statisticsSQL(_ period: ReportingPeriod, groupBy: StatisticsGrouping, now: Int64, unit: StatisticsUnit = .dossier) -> String {
        let (select, key) = statisticsSelect(period, groupBy: groupBy, now: now, unit: unit)
        return select + " GROUP BY \(key) ORDER BY \(key)"
    }

    /// The statistics of a form for a period, grouped, classified by `StatisticsRules` as of the
    /// period's end or now, whichever is earlier.
    /// - Form 06 for one agency: its parts of dossiers (an inter-agency dossier is in the row of
    ///   every agency that worked on it, for its own step and deadline).
    /// - Form 06 province-wide: by agency, each agency's parts; by field or procedure, dossiers;
    ///   the total counts each dossier once.
    /// - Form II.06a: the dossiers the agency (the service centre) received.
    public func statistics(_ period: ReportingPeriod, groupBy: StatisticsGrouping, agency: String?, form: StatisticsForm = .agency) async throws
        -> (rows: [StatisticsRow], total: StatisticsRow)
    {
        let now = clock.millis()
        let unit: StatisticsUnit = form == .agency && (agency != nil || groupBy == .agency) ? .agencyPart : .dossier
        let filter: (column: String, value: String)? = agency.map { (form == .serviceCentre ? "x.receiving_agency" : "x.agency", $0) }
        let rows = try await counts(period, groupBy: groupBy, unit: unit, filter: filter, now: now)
        var named = rows
        if groupBy == .agency {
            for index in named.indices { named[index].name = try await directory.agency(named[index].key)?.name ?? named[index].key }
        }
        // Province-wide by agency: the rows are each agency's parts, the total each dossier once.
        let totals = unit == .agencyPart && agency == nil ? try await counts(period, groupBy: groupBy, unit: .dossier, filter: nil, now: now) : rows
        let total = totals.reduce(Counts(key: "", name: "")) { $0.adding($1) }
        return (named.map(\.row), Counts(key: "total", name: "Tổng cộng", base: total).row)
    }

    func counts(_ period: ReportingPeriod, groupBy: StatisticsGrouping, unit: StatisticsUnit, filter: (column: String, value: String)?, now: Int64)
        async throws -> [Counts]
    {
        let (select, key) = Self.statisticsSelect(period, groupBy: groupBy, now: now, unit: unit)
        return try await database.readReplica(ownWritesMatter: false) { db in
            var query = SQLQueryString(select)
            if let filter {
                query.appendInterpolation(unsafeRaw: " AND \(filter.column) = ")
                query.appendInterpolation(bind: filter.value)
            }
            query.appendInterpolation(unsafeRaw: " GROUP BY \(key) ORDER BY \(key)")
            return try await db.raw(query).all().map(Counts.init)
        }
    }

    /// Raw sums from SQL.
    struct Counts {
        var key: String
        var name: String
        var receivedOnline = 0, receivedDirect = 0, receivedFullyOnline = 0, carriedOver = 0, processed = 0, before = 0, on = 0, late = 0
        var inProgress = 0, within = 0, returned = 0, withdrawn = 0, processingMillis: Int64 = 0, ratings = 0, satisfied = 0

        init(key: String, name: String) {
            self.key = key
            self.name = name
        }

        init(key: String, name: String, base: Counts) {
            self = base
            self.key = key
            self.name = name
        }

        init(_ row: any SQLRow) throws {
            key = try row.decode(column: "k", as: String?.self) ?? ""
            name = try row.decode(column: "n", as: String?.self) ?? key
            func int(_ column: String) throws -> Int { Int(try row.decode(column: column, as: Int64?.self) ?? 0) }
            receivedOnline = try int("received_online")
            receivedDirect = try int("received_direct")
            receivedFullyOnline = try int("received_fully_online")
            carriedOver = try int("carried_over")
            processed = try int("processed")
            before = try int("before_deadline")
            on = try int("on_deadline")
            late = try int("late")
            inProgress = try int("in_progress")
            within = try int("within_deadline")
            returned = try int("returned")
            withdrawn = try int("withdrawn")
            processingMillis = try row.decode(column: "processing_ms", as: Int64?.self) ?? 0
            ratings = try int("ratings")
            satisfied = try int("satisfied")
        }

        func adding(_ other: Counts) -> Counts {
            var sum = self
            sum.receivedOnline += other.receivedOnline
            sum.receivedDirect += other.receivedDirect
            sum.receivedFullyOnline += other.receivedFullyOnline
            sum.carriedOver += other.carriedOver
            sum.processed += other.processed
            sum.before += other.before
            sum.on += other.on
            sum.late += other.late
            sum.inProgress += other.inProgress
            sum.within += other.within
            sum.returned += other.returned
            sum.withdrawn += other.withdrawn
            sum.processingMillis += other.processingMillis
            sum.ratings += other.ratings
            sum.satisfied += other.satisfied
            return sum
        }

        var row: StatisticsRow {
            let received = receivedOnline + receivedDirect
            func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : (Double(part) / Double(whole) * 1000).rounded() / 1000 }
            return StatisticsRow(
                key: key,
                name: name,
                total: received + carriedOver,
                receivedOnline: receivedOnline,
                receivedDirect: receivedDirect,
                carriedOver: carriedOver,
                processed: processed,
                processedBeforeDeadline: before,
                processedOnDeadline: on,
                processedLate: late,
                inProgress: inProgress,
                inProgressWithinDeadline: within,
                inProgressOverdue: inProgress - within,
                returned: returned,
                withdrawn: withdrawn,
                onlineShare: share(receivedOnline, received),
                fullyOnlineShare: share(receivedFullyOnline, received),
                averageProcessingDays: processed == 0 ? 0 : (Double(processingMillis) / Double(processed) / 86_400_000 * 10).rounded() / 10,
                onTimeShare: share(before + on, processed),
                ratings: ratings,
                satisfactionShare: share(satisfied, ratings)
            )
        }
    }
}
