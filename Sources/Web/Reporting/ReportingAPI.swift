import Core
import Foundation
import Hummingbird
import Reporting

/// The reporting system's definitions over HTTP: periods and their data windows, indicators,
/// disaggregations, validation rules and versioned templates.
public struct ReportingAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        addPeriodRoutes(to: routes)
        addIndicatorRoutes(to: routes)
        addTemplateRoutes(to: routes)
        addReportRoutes(to: routes)
    }

    struct OpenReport: Decodable, KnownFields {
        let template: String
        let period: String
        let agency: String?
        static let fieldNames: Set<String> = ["template", "period", "agency"]
    }

    struct ValuesInput: Decodable, KnownFields {
        let values: [ValueEntry]
        static let fieldNames: Set<String> = ["values"]
        static let nestedFieldNames: [String: Set<String>] = ["values": ["indicator", "option", "value", "comment"]]
    }

    struct ActionInput: Decodable, KnownFields {
        let note: String?
        static let fieldNames: Set<String> = ["note"]
    }

    func addReportRoutes(to routes: RouteBuilder) {
        let reporting = services.reporting
        routes.post("/api/v1/reporting/reports", .permission(.reportingEnter)) { request, context in
            let input = try await RequestBody.json(OpenReport.self, from: request, context: context)
            let detail = try await reporting.openReport(
                template: input.template,
                period: input.period,
                agency: input.agency,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse.created(detail, at: "/api/v1/reporting/reports/\(detail.report.id)")
        }
        routes.get("/api/v1/reporting/reports/:id", .permission(.reportingRead)) { _, context in
            JSONResponse(try await reporting.report(try context.parameters.number("id", orNotFound: "report"), for: context.principal))
        }
        routes.on(.put, "/api/v1/reporting/reports/:id/values", .permission(.reportingEnter)) { request, context in
            let input = try await RequestBody.json(ValuesInput.self, from: request, context: context, limit: 8 * 1024 * 1024)
            return JSONResponse(
                try await reporting.saveValues(
                    input.values,
                    in: try context.parameters.number("id", orNotFound: "report"),
                    by: context.principal,
                    requestID: context.requestID
                )
            )
        }
        routes.post("/api/v1/reporting/reports/:id/actions/:action", .permission(.reportingRead)) { request, context in
            let name = try context.parameters.require("action")
            guard let action = ReportAction(rawValue: name) else {
                throw DomainError.invalid("action", "Thao tác \"\(name)\" không tồn tại", "Unknown action \"\(name)\"")
            }
            let input = try await RequestBody.json(ActionInput.self, from: request, context: context, orEmpty: ActionInput(note: nil))
            let detail = try await reporting.perform(
                action,
                on: try context.parameters.number("id", orNotFound: "report"),
                note: input.note,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(detail)
        }
    }

    /// A period with its data window, as the API shows it.
    struct PeriodView: Encodable {
        let code: String
        let frequency: Frequency
        let window: DataWindow
        let startDate: LocalDate
        let endDate: LocalDate

        init(_ period: ReportingPeriod, window: DataWindow) {
            code = period.code
            frequency = period.frequency
            self.window = window
            let days = period.window(window)
            startDate = days.lowerBound
            endDate = days.upperBound
        }
    }

    func addPeriodRoutes(to routes: RouteBuilder) {
        let today = services.today
        routes.get("/api/v1/reporting/periods", .permission(.reportingRead)) { request, context in
            let window = try request.uri.caseParameter("window", as: DataWindow.self) ?? .decree09
            let periods: [ReportingPeriod]
            if let relative = request.uri.stringParameter("relative") {
                guard let found = RelativePeriod.resolve(relative, today: today(), window: window) else {
                    throw DomainError.invalid(
                        "relative",
                        "Kỳ tương đối là THIS_MONTH, LAST_MONTH, THIS_QUARTER, THIS_YEAR, LAST_YEAR hoặc LAST_n_MONTHS/QUARTERS/YEARS",
                        "A relative period is THIS_MONTH, LAST_MONTH, THIS_QUARTER, THIS_YEAR, LAST_YEAR or LAST_n_MONTHS/QUARTERS/YEARS"
                    )
                }
                periods = found
            } else {
                let frequency = try request.uri.caseParameter("frequency", as: Frequency.self) ?? .monthly
                let year = try request.uri.intParameter("year") ?? today().year
                guard LocalDate.plausibleYears.contains(year), frequency != .adHoc else {
                    throw DomainError.invalid("year", "Năm và kỳ báo cáo không hợp lệ", "Invalid year or frequency")
                }
                periods = Self.periods(of: frequency, in: year)
            }
            return JSONResponse(["items": periods.map { PeriodView($0, window: window) }])
        }
        routes.get("/api/v1/reporting/periods/:code", .permission(.reportingRead)) { request, context in
            let code = try context.parameters.require("code")
            guard let period = ReportingPeriod(code: code) else {
                throw DomainError.invalid(
                    "code",
                    "Mã kỳ không hợp lệ: \(code) (ví dụ 2026M03, 2026Q1, 2026S1, 2026N9, 2026)",
                    "Invalid period code: \(code) (e.g. 2026M03, 2026Q1, 2026S1, 2026N9, 2026)"
                )
            }
            return JSONResponse(PeriodView(period, window: try request.uri.caseParameter("window", as: DataWindow.self) ?? .decree09))
        }
    }

    /// A definition sent to its own path: the body names the same code.
    static func requireSame(_ pathCode: String, _ bodyCode: String) throws {
        guard pathCode == bodyCode else {
            throw DomainError.invalid("code", "Mã trong nội dung khác mã trên đường dẫn", "The body's code differs from the path's")
        }
    }

    /// Every period of `frequency` named after `year`.
    static func periods(of frequency: Frequency, in year: Int) -> [ReportingPeriod] {
        switch frequency {
        case .monthly: (1...12).map { .month(year: year, month: $0) }
        case .quarterly: (1...4).map { .quarter(year: year, quarter: $0) }
        case .sixMonths: [.half(year: year, half: 1), .half(year: year, half: 2)]
        case .nineMonths: [.nineMonths(year: year)]
        case .annual: [.year(year)]
        case .adHoc: []
        }
    }

    func addIndicatorRoutes(to routes: RouteBuilder) {
        let reporting = services.reporting
        routes.get("/api/v1/reporting/indicators", .permission(.reportingRead)) { request, context in
            JSONResponse(
                try await reporting.indicators(
                    query: request.uri.stringParameter("q"),
                    parent: request.uri.stringParameter("parent"),
                    page: try request.uri.pageRequest()
                )
            )
        }
        routes.post("/api/v1/reporting/indicators", .permission(.reportingManage)) { request, context in
            let input = try await RequestBody.json(Indicator.self, from: request, context: context)
            if try await reporting.indicator(input.code) != nil {
                throw DomainError.conflict(
                    messageVi: "Đã có chỉ tiêu \(input.code); sửa bằng PUT",
                    messageEn: "Indicator \(input.code) exists; change it with PUT"
                )
            }
            let saved = try await reporting.saveIndicator(input, by: context.principal, requestID: context.requestID)
            return JSONResponse.created(saved, at: "/api/v1/reporting/indicators/\(saved.code)")
        }
        routes.get("/api/v1/reporting/indicators/:code", .permission(.reportingRead)) { request, context in
            let code = try context.parameters.require("code")
            guard let indicator = try await reporting.indicator(code) else { throw DomainError.notFound(what: "indicator \(code)") }
            return JSONResponse(indicator)
        }
        routes.on(.put, "/api/v1/reporting/indicators/:code", .permission(.reportingManage)) { request, context in
            let code = try context.parameters.require("code")
            var input = try await RequestBody.json(Indicator.self, from: request, context: context)
            try Self.requireSame(code, input.code)
            guard try await reporting.indicator(code) != nil else { throw DomainError.notFound(what: "indicator \(code)") }
            input.code = code
            return JSONResponse(try await reporting.saveIndicator(input, by: context.principal, requestID: context.requestID))
        }
        routes.get("/api/v1/reporting/category-combos", .permission(.reportingRead)) { _, _ in
            JSONResponse(["items": try await reporting.categoryCombos()])
        }
        routes.on(.put, "/api/v1/reporting/category-combos/:code", .permission(.reportingManage)) { request, context in
            let code = try context.parameters.require("code")
            let input = try await RequestBody.json(CategoryCombo.self, from: request, context: context)
            try Self.requireSame(code, input.code)
            return JSONResponse(try await reporting.saveCategoryCombo(input, by: context.principal, requestID: context.requestID))
        }
        routes.get("/api/v1/reporting/rules", .permission(.reportingRead)) { _, _ in
            JSONResponse(["items": try await reporting.rules()])
        }
        routes.on(.put, "/api/v1/reporting/rules/:code", .permission(.reportingManage)) { request, context in
            let code = try context.parameters.require("code")
            let input = try await RequestBody.json(ValidationRule.self, from: request, context: context)
            try Self.requireSame(code, input.code)
            return JSONResponse(try await reporting.saveRule(input, by: context.principal, requestID: context.requestID))
        }
    }

    func addTemplateRoutes(to routes: RouteBuilder) {
        let reporting = services.reporting
        routes.get("/api/v1/reporting/templates", .permission(.reportingRead)) { request, context in
            if let code = request.uri.stringParameter("code") {
                let versions = try await reporting.versions(of: code)
                guard !versions.isEmpty else { throw DomainError.notFound(what: "template \(code)") }
                return JSONResponse(["items": versions])
            }
            return JSONResponse(["items": try await reporting.templates()])
        }
        // Template codes hold slashes (`II.06a/VPCP/KSTT`): one is named by a query parameter.
        routes.get("/api/v1/reporting/template", .permission(.reportingRead)) { request, context in
            guard let code = request.uri.stringParameter("code") else {
                throw DomainError.invalid("code", "Cần tham số code (mã biểu mẫu)", "The code parameter (template code) is required")
            }
            guard let stored = try await reporting.template(code, version: try request.uri.intParameter("version")) else {
                throw DomainError.notFound(what: "template \(code)")
            }
            return JSONResponse(stored)
        }
        routes.post("/api/v1/reporting/templates", .permission(.reportingManage)) { request, context in
            let input = try await RequestBody.json(ReportTemplate.self, from: request, context: context)
            let saved = try await reporting.saveTemplate(input, by: context.principal, requestID: context.requestID)
            let query = saved.code.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? saved.code
            return JSONResponse.created(saved, at: "/api/v1/reporting/template?code=\(query)&version=\(saved.version)")
        }
    }
}

extension Indicator: KnownFields {
    public static let fieldNames: Set<String> = [
        "code", "nameVi", "nameEn", "unit", "valueType", "aggregation", "weightCode", "categoryComboCode", "parentCode", "formula", "minimum",
        "maximum",
    ]
}

extension CategoryCombo: KnownFields {
    public static let fieldNames: Set<String> = ["code", "nameVi", "nameEn", "options"]
    public static let nestedFieldNames: [String: Set<String>] = ["options": ["code", "nameVi", "nameEn"]]
}

extension ValidationRule: KnownFields {
    public static let fieldNames: Set<String> = ["code", "nameVi", "left", "comparison", "right", "severity", "subjectCode"]
}

extension ReportTemplate: KnownFields {
    public static let fieldNames: Set<String> = [
        "code", "version", "nameVi", "nameEn", "kind", "frequency", "dataWindow", "sections", "narrative", "assignment", "receivingAgency",
        "deadline", "ruleCodes",
    ]
    public static let nestedFieldNames: [String: Set<String>] = [
        "sections": ["code", "titleVi", "titleEn", "indicatorCodes", "categoryComboCode"], "narrative": ["code", "titleVi", "guidanceVi"],
        "assignment": ["agencies", "groups"], "deadline": ["days", "working"],
    ]
}
