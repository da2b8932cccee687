import Core
import Dossiers
import Foundation
import Hummingbird

/// Printable official slips of a dossier (Decree 61/2018 forms), in Vietnamese as issued.
public struct SlipPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let titles: [String: String] = [
        "receipt": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "supplement": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "apology": "VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "control": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    ]

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/dossiers/:code/print/:slip", .signedIn) { request, context in
            let slip = try context.parameters.require("slip")
            guard let title = Self.titles[slip] else { throw DomainError.notFound(what: "slip \(slip)") }
            let detail = try await services.dossiers.detail(try context.parameters.require("code"), for: context.principal)
            let d = detail.dossier
            func last(_ action: DossierAction) -> DossierEvent? { detail.events.last { $0.action == action.rawValue } }
            let event: DossierEvent? =
                switch slip {
                case "supplement": last(.requestSupplement)
                case "refusal": last(.refuse)
                case "apology": last(.extendDeadline)
                case "receipt": last(.receive)
                default: nil
                }
            if ["supplement", "refusal", "apology", "receipt"].contains(slip), event == nil {
                throw DomainError.notFound(what: "slip \(slip)")
            }
            let receiving = try await services.directory.agency(d.receivingAgency)
            // Slips name people and agencies, never accounts or codes.
            let people = try await PeopleNames.of(
                detail.events.map(\.actor) + [context.principal.username],
                accounts: services.accounts,
                language: .vi
            )
            var agencies: [String: String] = [:]
            for identifier in Set(detail.events.compactMap(\.agency)) {
                agencies[identifier] = try await services.directory.agency(identifier)?.name ?? identifier
            }
            let today = services.today()
            let place = receiving?.address?.split(separator: ",").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "Đồng Nai"
            return try services.pages.render(
                "slip",
                titleKey: "print",
                page: DossierViews.Slip(
                    slipTitle: title,
                    agency: receiving?.name ?? d.receivingAgency,
                    code: d.code,
                    procedure: d.procedureName,
                    applicant: d.applicant.fullName,
                    phone: d.applicant.phone,
                    address: d.applicant.address ?? "",
                    citizenId: d.applicant.citizenId ?? "",
                    received: DossierPages.time(d.receivedAt) ?? "",
                    due: DossierPages.time(d.dueAt) ?? "",
                    note: event?.note ?? "",
                    officer: people[event?.actor ?? context.principal.username],
                    eventTime: DossierPages.time(event?.at) ?? "",
                    files: detail.attachments.map { .init(document: $0.documentName, name: $0.fileName) },
                    events: detail.events.map {
                        .init(
                            at: DossierPages.time($0.at) ?? "",
                            action: DossierAction(rawValue: $0.action)?.nameVi ?? "Nộp hồ sơ",
                            actor: people[$0.actor],
                            agency: $0.agency.map { agencies[$0] ?? $0 } ?? "",
                            note: $0.note ?? ""
                        )
                    },
                    isReceipt: slip == "receipt",
                    isSupplement: slip == "supplement",
                    isRefusal: slip == "refusal",
                    isApology: slip == "apology",
                    isControl: slip == "control",
                    dateLine: "\(place), ngày \(today.day) tháng \(today.month) năm \(today.year)"
                ),
                request: request,
                context: context
            )
        }
    }
}
