import Core
import Directory
import Foundation
import Hummingbird

/// Home, account, working calendar, administration lists and static assets.
public struct PortalPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/", .everyone) { request, context in
            let agencies = try await services.directory.count()
            let communes = try await ReferenceData.administrativeUnits(services.database, parent: "75").count
            let center = try await services.directory.provincialServiceCenter().asyncFlatMap { try await services.directory.agency($0) }
            let calendar = try await services.calendar.workingCalendar()
            let t = Strings.all(context.language)
            let hours = calendar.officeHours.periods.map { "\($0.start)–\($0.end)" }.joined(separator: ", ")
            return try services.pages.render(
                "home",
                titleKey: "home",
                page: PortalViews.Home(
                    agencyCount: agencies,
                    communeCount: communes,
                    popular: try await services.dossiers.popularProcedures().map { .init(code: $0.code, name: $0.name) },
                    office: center?.name,
                    address: services.settings.officeAddress ?? center?.address,
                    hotline: services.settings.hotline,
                    email: center?.email,
                    hours: "\(t["mondayToFriday"] ?? ""), \(hours)"
                ),
                request: request,
                context: context
            )
        }
        routes.get("/calendar", .everyone) { request, context in
            let year = try request.uri.intParameter("year") ?? services.today().year
            guard (1900...2100).contains(year) else { throw CalendarAPI.yearOutOfRange }
            let calendar = try await services.calendar.workingCalendar()
            let t = Strings.all(context.language)
            let days = calendar.calendar(of: year).map { day in
                PortalViews.Calendar.Day(
                    date: day.date.display,
                    iso: day.date.iso,
                    name: context.language == .vi ? day.nameVi : day.nameEn,
                    kind: t[day.kind.rawValue] ?? day.kind.rawValue,
                    removable: day.kind == .overrideDayOff || day.kind == .makeUpWorkingDay
                )
            }
            let canEdit = context.principal?.has(.calendarManage) ?? false
            return try services.pages.render(
                "calendar",
                titleKey: "calendar",
                page: PortalViews.Calendar(year: year, days: days, previousYear: year - 1, nextYear: year + 1, canEdit: canEdit),
                request: request,
                context: context
            )
        }
        routes.post("/calendar/overrides", .permission(.calendarManage)) { request, context in
            let form = try await Form.read(request)
            guard let date = LocalDate(typed: form["date"] ?? ""), let kind = CalendarOverride.Kind(rawValue: form["kind"] ?? "") else {
                throw DomainError.invalid("date", "Chọn ngày và loại điều chỉnh", "Choose a date and a kind")
            }
            try await services.calendar.set(
                CalendarOverride(date: date, kind: kind, name: form["name"] ?? ""),
                by: context.principal,
                requestID: context.requestID
            )
            return Response.redirect(to: "/calendar?year=\(date.year)", type: .normal)
        }
        routes.post("/calendar/overrides/remove", .permission(.calendarManage)) { request, context in
            let form = try await Form.read(request)
            guard let date = LocalDate(typed: form["date"] ?? "") else { throw DomainError.invalid("date", "Ngày không hợp lệ", "Invalid date") }
            try await services.calendar.remove(date, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/calendar?year=\(date.year)", type: .normal)
        }
        routes.get("/favicon.ico", .everyone) { _, _ in
            Response(status: .movedPermanently, headers: [.location: services.pages.assetPath("emblem.svg")])
        }
        routes.get("/static/:name", .everyone) { request, context in
            guard let response = services.pages.asset(try context.parameters.require("name"), request: request) else {
                throw DomainError.notFound(what: request.uri.path)
            }
            return response
        }
    }
}
