import Core
import Hummingbird

/// The working-day calendar: a year's days off, and per-date overrides for administrators.
public struct CalendarAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let yearOutOfRange = DomainError.invalid("year", "Năm phải trong khoảng 1900–2100", "year must be between 1900 and 2100")

    struct YearResponse: Encodable, Sendable {
        let year: Int
        let days: [Day]
    }

    struct Day: Encodable, Sendable {
        let date: String
        let name: String
        let nameEn: String
        let kind: String
        let isWorkingDay: Bool
    }

    struct OverrideBody: Decodable, KnownFields {
        let kind: CalendarOverride.Kind
        let name: String
        static let fieldNames: Set<String> = ["kind", "name"]
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/calendar/:year", .everyone) { request, context in
            guard let year = Int(try context.parameters.require("year")), (1900...2100).contains(year) else { throw Self.yearOutOfRange }
            let calendar = try await services.calendar.workingCalendar()
            let days = calendar.calendar(of: year).map {
                Day(date: $0.date.iso, name: $0.nameVi, nameEn: $0.nameEn, kind: $0.kind.rawValue, isWorkingDay: $0.kind == .makeUpWorkingDay)
            }
            return JSONResponse(YearResponse(year: year, days: days))
        }
        routes.on(.put, "/api/v1/calendar/overrides/:date", .permission(.calendarManage)) { request, context in
            let date = try Self.date(context)
            let body = try await RequestBody.json(OverrideBody.self, from: request, context: context)
            let override = CalendarOverride(date: date, kind: body.kind, name: body.name)
            try await services.calendar.set(override, by: context.principal, requestID: context.requestID)
            return JSONResponse(override)
        }
        routes.on(.delete, "/api/v1/calendar/overrides/:date", .permission(.calendarManage)) { request, context in
            let date = try Self.date(context)
            guard try await services.calendar.remove(date, by: context.principal, requestID: context.requestID) else {
                throw DomainError.notFound(what: "calendar override \(date.iso)")
            }
            return Response(status: .noContent)
        }
    }

    static func date(_ context: SignedInContext) throws -> LocalDate {
        guard let date = LocalDate(iso: try context.parameters.require("date")), (1900...2100).contains(date.year) else {
            throw DomainError.invalid("date", "Ngày phải có dạng yyyy-MM-dd trong khoảng 1900–2100", "date must be yyyy-MM-dd between 1900 and 2100")
        }
        return date
    }
}
