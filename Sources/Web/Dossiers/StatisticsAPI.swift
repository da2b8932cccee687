import Core
import Dossiers
import Foundation
import Hummingbird
import HummingbirdCore

/// One-stop statistics for leaders: JSON, CSV (Circular 01/2020 column ids) and a page with SVG charts.
public struct StatisticsAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    struct Result: Encodable, Sendable {
        let from: String
        let to: String
        let groupBy: String
        /// `06` (each agency's own part; the province total counts each dossier once) or `II.06a` (what the service centre received).
        let form: String
        let agency: String?
        let rows: [StatisticsRow]
        let total: StatisticsRow
    }

    /// Reads `from`, `to` (default: this calendar month), `groupBy`, `form`, `agency` (for form
    /// II.06a the provincial service centre unless named), and limits leaders below the province
    /// to their own agency.
    func query(_ uri: URI, _ context: SignedInContext) async throws -> Result {
        let today = services.today()
        let month = ReportingPeriod.calendarMonth(year: today.year, month: today.month)
        let period = try ReportingPeriod(from: try uri.dateParameter("from") ?? month.from, to: try uri.dateParameter("to") ?? month.to)
        let form = try uri.caseParameter("form", as: StatisticsForm.self) ?? .agency
        let grouping = try uri.caseParameter("groupBy", as: StatisticsGrouping.self) ?? (form == .serviceCentre ? .field : .agency)
        var agency = uri.stringParameter("agency")
        if form == .serviceCentre, agency == nil { agency = try await services.directory.provincialServiceCenter() }
        let principal = context.principal
        if !(principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor)) {
            let own = principal.agency ?? ""
            let isProvince = try await services.directory.agency(own)?.parentIdentifier == nil
            if !isProvince {
                if let agency, agency != own {
                    throw DomainError.forbidden(
                        messageVi: "Chỉ xem được số liệu của cơ quan mình",
                        messageEn: "You can only see your own agency's statistics"
                    )
                }
                agency = own
            }
        }
        let (rows, total) = try await services.dossiers.statistics(period, groupBy: grouping, agency: agency, form: form)
        return Result(
            from: period.from.iso,
            to: period.to.iso,
            groupBy: grouping.rawValue,
            form: form.rawValue,
            agency: agency,
            rows: rows,
            total: total
        )
    }

    static func csvDownload(_ result: Result) -> Response {
        csvResponse(Self.csv(result), fileName: "thong-ke-ho-so-\(result.from)-\(result.to).csv")
    }

    static func csv(_ result: Result) -> String {
        let header = [
            "STT", "Ma", "Ten", "TongSo", "TiepNhanTrucTuyen", "TiepNhanTrucTiep", "KyTruocChuyenSang", "DaXuLy", "DaXuLyTruocHan",
            "DaXuLyDungHan", "DaXuLyQuaHan", "DangXuLy", "DangXuLyTrongHan", "DangXuLyQuaHan", "DaTraKetQua", "RutHoSo",
            "TyLeTrucTuyen", "TyLeToanTrinh", "ThoiGianXuLyTrungBinhNgay", "TyLeDungHan", "SoDanhGia", "TyLeHaiLong",
        ]
        func line(_ index: String, _ r: StatisticsRow) -> [String] {
            [
                index, r.key, r.name, r.total, r.receivedOnline, r.receivedDirect, r.carriedOver, r.processed, r.processedBeforeDeadline,
                r.processedOnDeadline, r.processedLate, r.inProgress, r.inProgressWithinDeadline, r.inProgressOverdue, r.returned, r.withdrawn,
            ].map { "\($0)" }
                + [r.onlineShare, r.fullyOnlineShare, r.averageProcessingDays, r.onTimeShare].map { String($0) }
                + [String(r.ratings), String(r.satisfactionShare)]
        }
        return CSV.write([header] + result.rows.enumerated().map { line(String($0.offset + 1), $0.element) } + [line("", result.total)])
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/statistics/dossiers", .permission(.statisticsRead)) { request, context in
            let result = try await query(request.uri, context)
            if try request.uri.formatParameter() == "csv" { return Self.csvDownload(result) }
            return try JSONResponse(result).response(from: request, context: context)
        }
        // The page's download: the same CSV for the signed-in leader (the API takes tokens only).
        routes.get("/statistics/export.csv", .permission(.statisticsRead)) { request, context in
            Self.csvDownload(try await query(request.uri, context))
        }
        routes.get("/statistics", .permission(.statisticsRead)) { request, context in
            let result = try await query(request.uri, context)
            let t = Strings.all(context.language)
            let legend = [
                SVGChart.Segment(value: 0, color: "#2e7d32", label: t["beforeDeadline"] ?? ""),
                SVGChart.Segment(value: 0, color: "#81c784", label: t["onDeadline"] ?? ""),
                SVGChart.Segment(value: 0, color: "#c62828", label: t["late"] ?? ""),
                SVGChart.Segment(value: 0, color: "#90caf9", label: t["inProgressWithin"] ?? ""),
                SVGChart.Segment(value: 0, color: "#ef9a9a", label: t["inProgressOverdue"] ?? ""),
            ]
            let bars = result.rows.map { r in
                SVGChart.Bar(
                    label: r.name,
                    segments: zip(
                        legend,
                        [
                            r.processedBeforeDeadline, r.processedOnDeadline, r.processedLate,
                            r.inProgressWithinDeadline, r.inProgressOverdue,
                        ]
                    ).map {
                        SVGChart.Segment(value: $1, color: $0.color, label: $0.label)
                    }
                )
            }
            var csvLink = "/statistics/export.csv?from=\(result.from)&to=\(result.to)&groupBy=\(result.groupBy)&form=\(result.form)"
            if let agency = result.agency { csvLink += "&agency=\(agency)" }
            return try services.pages.render(
                "statistics",
                titleKey: "statistics",
                page: DossierViews.Statistics(
                    from: LocalDate(iso: result.from)?.display ?? result.from,
                    to: LocalDate(iso: result.to)?.display ?? result.to,
                    rows: result.rows.map(DossierViews.Statistics.Row.init),
                    total: .init(result.total),
                    chart: SVGChart.stackedBars(bars, title: t["statisticsChart"] ?? "", legend: legend),
                    groupings: StatisticsGrouping.allCases.map {
                        .init(value: $0.rawValue, label: t["group_\($0.rawValue)"] ?? $0.rawValue, selected: $0.rawValue == result.groupBy)
                    },
                    forms: StatisticsForm.allCases.map {
                        .init(
                            value: $0.rawValue,
                            label: t["form_\($0 == .agency ? "agency" : "centre")"] ?? $0.rawValue,
                            selected: $0.rawValue == result.form
                        )
                    },
                    csv: csvLink
                ),
                request: request,
                context: context
            )
        }
    }
}
