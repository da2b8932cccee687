import Audit
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Reporting
import Server
import Testing

/// The reporting definitions on both engines: demo catalogue, checks against each other and the
/// directory, versions, audit; and the HTTP API with its permissions and 4xx answers.
@Suite struct ReportingTests {
    let admin = Principal.system("test-admin")

    @Test func theDemoCatalogueLoadsOnceAndHoldsTogether() async throws {
        try await TestEnvironment.withPlatform { platform in
            let reporting = platform.reporting
            // Loaded by the seed; a second load adds nothing.
            #expect(try await reporting.loadDemo() == 0)
            let set = try await reporting.indicatorSet()
            for indicator in set.byCode.values { #expect(set.problems(of: indicator).isEmpty, "\(indicator.code)") }
            let templates = try await reporting.templates()
            #expect(templates.map(\.template.code) == ["06/VPCP/KSTT", "CDS/KHCN/01", "KTXH/THANG"])
            let oneStop = try #require(templates.first?.template)
            #expect(oneStop.indicatorCodes.count == 11 && oneStop.version == 1)
            // Assigned to the 13 departments and the office, and to the 95 communes and wards.
            let agencies = try await reporting.reportingAgencies(of: oneStop)
            #expect(agencies.count == 14 + 95)
            #expect(!agencies.contains { $0.identifier == "000.00.00.H19" })
            // Three working days after 14 March 2026 (a Saturday): Wednesday 18 March.
            #expect(try await reporting.dueDate(of: oneStop, for: .quarter(year: 2026, quarter: 1)) == LocalDate(iso: "2026-03-18"))
            let computed = set.computing([
                "TTHC.TiepNhanTrucTuyen": 30, "TTHC.TiepNhanTrucTiep": 10, "TTHC.DaXuLy": 20, "TTHC.DaXuLyTruocHan": 5, "TTHC.DaXuLyDungHan": 10,
            ])
            #expect(computed["TTHC.TyLeTrucTuyen"] == 75 && computed["TTHC.TyLeDungHan"] == 75)
        }
    }

    @Test func indicatorsAreCheckedAgainstTheOthersAndAudited() async throws {
        try await TestEnvironment.withPlatform { platform in
            let reporting = platform.reporting
            let before = try await rowCount("audit_log", platform.database)
            await expectRefusal(.invalid("formula")) {
                try await reporting.saveIndicator(
                    Indicator(code: "X.Moi", nameVi: "Mới", formula: "TTHC.TongSo + Khong.Co"),
                    by: admin,
                    requestID: nil
                )
            }
            await expectRefusal(.invalid("categoryComboCode")) {
                try await reporting.saveIndicator(Indicator(code: "X.Moi", nameVi: "Mới", categoryComboCode: "Khong"), by: admin, requestID: nil)
            }
            // A formula that would read itself through another indicator.
            try await reporting.saveIndicator(Indicator(code: "X.A", nameVi: "A"), by: admin, requestID: nil)
            try await reporting.saveIndicator(Indicator(code: "X.B", nameVi: "B", formula: "X.A * 2"), by: admin, requestID: nil)
            await expectRefusal(.invalid("formula")) {
                try await reporting.saveIndicator(Indicator(code: "X.A", nameVi: "A", formula: "X.B + 1"), by: admin, requestID: nil)
            }
            #expect(try await reporting.indicator("X.A")?.formula == nil)
            #expect(try await rowCount("audit_log", platform.database) == before + 2)
            var renamed = try #require(try await reporting.indicator("X.A"))
            renamed.nameVi = "A mới"
            try await reporting.saveIndicator(renamed, by: admin, requestID: nil)
            #expect(try await reporting.indicator("X.A")?.nameVi == "A mới")
            let page = try await reporting.indicators(query: "giai quyet dung han", parent: nil, page: try PageRequest(limit: 5))
            #expect(page.items.map(\.code).contains("TTHC.DaXuLyDungHan"))
            let children = try await reporting.indicators(query: nil, parent: "TTHC.TongSo", page: try PageRequest(limit: 4))
            #expect(children.items.count == 4 && children.nextCursor == children.items.last?.code)
            let rest = try await reporting.indicators(
                query: nil,
                parent: "TTHC.TongSo",
                page: try PageRequest(limit: 50, cursor: children.nextCursor)
            )
            #expect(rest.items.count == 6 && rest.nextCursor == nil)
        }
    }

    @Test func templatesAreVersionedAndCheckedAgainstWhatExists() async throws {
        try await TestEnvironment.withPlatform { platform in
            let reporting = platform.reporting
            var template = try #require(try await reporting.template("KTXH/THANG")).template
            template.nameVi = "Báo cáo kinh tế - xã hội tháng (sửa đổi)"
            let second = try await reporting.saveTemplate(template, by: admin, requestID: nil)
            #expect(second.version == 2)
            #expect(try await reporting.template("KTXH/THANG", version: 1)?.template.nameVi == "Báo cáo tình hình kinh tế - xã hội hằng tháng")
            #expect(try await reporting.template("KTXH/THANG")?.template.version == 2)
            #expect(try await reporting.versions(of: "KTXH/THANG").count == 2)
            #expect(try await reporting.templates().count == 3)
            var broken = template
            broken.code = "MOI/01"
            broken.sections[0].indicatorCodes = ["KTXH.DanSo", "Khong.Co"]
            broken.sections[1].categoryComboCode = "Khong"
            broken.receivingAgency = "000.99.99.H19"
            broken.ruleCodes = ["R.Khong"]
            await expectRefusal(.invalid("sections[0].indicatorCodes", "sections[1].categoryComboCode", "ruleCodes", "receivingAgency")) {
                try await reporting.saveTemplate(broken, by: admin, requestID: nil)
            }
            #expect(try await reporting.template("MOI/01") == nil)
            var repeated = template
            repeated.code = "MOI/02"
            repeated.sections[1].indicatorCodes = ["KTXH.DanSo"]
            repeated.frequency = .adHoc
            await expectRefusal(.invalid("frequency", "sections")) { try await reporting.saveTemplate(repeated, by: admin, requestID: nil) }
        }
    }

    @Test func theAPIServesStaffAndOnlyAdminsChangeDefinitions() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let officer = try await client.token("chuyenvien.sxd")
            let admin = try await client.token("admin")
            let citizen = try await client.token("0912345678")
            #expect(try await client.json("/api/v1/reporting/indicators", token: citizen).status == .forbidden)
            #expect(try await client.json("/api/v1/reporting/indicators").status == .unauthorized)
            let list = try await client.json("/api/v1/reporting/indicators?q=truc%20tuyen&limit=10", token: officer)
            #expect(list.status == .ok)
            let codes = (list.object?["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
            #expect(codes.contains("TTHC.TiepNhanTrucTuyen"))
            let body = #"{"code":"X.Moi","nameVi":"Chỉ tiêu mới","valueType":"integer","aggregation":"sum","formula":"TTHC.TongSo * 2"}"#
            #expect(try await client.json("/api/v1/reporting/indicators", method: .post, token: officer, body: body).status == .forbidden)
            let created = try await client.json("/api/v1/reporting/indicators", method: .post, token: admin, body: body)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/api/v1/reporting/indicators/X.Moi")
            #expect(try await client.json("/api/v1/reporting/indicators", method: .post, token: admin, body: body).status == .conflict)
            let cycle = #"{"code":"TTHC.TongSo","nameVi":"Tổng","valueType":"integer","aggregation":"sum","formula":"X.Moi + 1"}"#
            let refused = try await client.json("/api/v1/reporting/indicators/TTHC.TongSo", method: .put, token: admin, body: cycle)
            #expect(refused.status.code == 422)
            #expect(refused.text.contains("formula"))
            let unknownField = #"{"code":"X.Hai","nameVi":"Hai","valueType":"integer","aggregation":"sum","colour":"red"}"#
            #expect(try await client.json("/api/v1/reporting/indicators", method: .post, token: admin, body: unknownField).status.code == 422)
            let wrongType = #"{"code":"X.Hai","nameVi":"Hai","valueType":"colour","aggregation":"sum"}"#
            let typeAnswer = try await client.json("/api/v1/reporting/indicators", method: .post, token: admin, body: wrongType)
            #expect(typeAnswer.status.code == 422 && typeAnswer.text.contains("valueType"))
            #expect(try await client.json("/api/v1/reporting/indicators/Khong.Co", token: officer).status == .notFound)

            let period = try await client.json("/api/v1/reporting/periods/2026Q1", token: officer)
            #expect(period.object?["startDate"] as? String == "2025-12-15" && period.object?["endDate"] as? String == "2026-03-14")
            let calendar = try await client.json("/api/v1/reporting/periods/2026Q1?window=calendar", token: officer)
            #expect(calendar.object?["startDate"] as? String == "2026-01-01")
            #expect(try await client.json("/api/v1/reporting/periods/2026Q5", token: officer).status.code == 422)
            let months = try await client.json("/api/v1/reporting/periods?frequency=monthly&year=2026", token: officer)
            #expect((months.object?["items"] as? [Any])?.count == 12)
            let relative = try await client.json("/api/v1/reporting/periods?relative=LAST_12_MONTHS", token: officer)
            #expect((relative.object?["items"] as? [Any])?.count == 12)
            #expect(try await client.json("/api/v1/reporting/periods?relative=SOMETIME", token: officer).status.code == 422)

            let template = try await client.json("/api/v1/reporting/template?code=06%2FVPCP%2FKSTT", token: officer)
            #expect(template.status == .ok)
            #expect(((template.object?["template"] as? [String: Any])?["sections"] as? [Any])?.count == 1)
            let newTemplate = #"""
                {"code":"BC/THU/01","nameVi":"Báo cáo thử","frequency":"monthly",
                 "sections":[{"code":"A","titleVi":"Phần A","indicatorCodes":["X.Moi"]}],
                 "assignment":{"groups":["communes"]},"receivingAgency":"000.00.01.H19","deadline":{"days":5}}
                """#
            let saved = try await client.json("/api/v1/reporting/templates", method: .post, token: admin, body: newTemplate)
            #expect(saved.status == .created)
            #expect(saved.headers[.location] == "/api/v1/reporting/template?code=BC%2FTHU%2F01&version=1")
            let again = try await client.json("/api/v1/reporting/templates", method: .post, token: admin, body: newTemplate)
            #expect(again.object?["version"] as? Int == 2)
            let versions = try await client.json("/api/v1/reporting/templates?code=BC%2FTHU%2F01", token: officer)
            #expect((versions.object?["items"] as? [Any])?.count == 2)
            let combo = #"{"code":"GioiTinh","nameVi":"Giới tính","options":[{"code":"Nam","nameVi":"Nam"}]}"#
            let removal = try await client.json("/api/v1/reporting/category-combos/GioiTinh", method: .put, token: admin, body: combo)
            #expect(removal.status.code == 422 && removal.text.contains("Nu"))
            let rule = #"{"code":"R.Moi","nameVi":"Mới","left":"X.Moi","comparison":">=","right":"0","severity":"warning"}"#
            #expect(try await client.json("/api/v1/reporting/rules/R.Moi", method: .put, token: admin, body: rule).status == .ok)
            let rules = try await client.json("/api/v1/reporting/rules", token: officer)
            #expect((rules.object?["items"] as? [Any])?.count == ReportingDemo.rules.count + 1)
        }
    }
}

extension ReportingTests {
    /// Form 06 for a quarter: a department's officer opens it, fills it, is refused on a broken
    /// check, corrects it and submits; the Office's leader returns it with a note, it is corrected
    /// and resubmitted, accepted and locked; every step audited, nothing changes after the lock.
    @Test func aReportGoesFromDraftToLocked() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            try await platform.accounts.createStaff(
                NewStaffAccount(
                    username: "lanhdao.vp",
                    password: DemoData.password,
                    fullName: "Lãnh đạo Văn phòng",
                    roles: [.leader],
                    agencyIdentifier: "000.00.01.H19"
                ),
                by: .system("test"),
                requestID: nil
            )
            let officer = try await client.token("chuyenvien.sxd")
            let receiver = try await client.token("lanhdao.vp")
            let outsider = try await client.token("chuyenvien.nnmt")
            let opened = try await client.json(
                "/api/v1/reporting/reports",
                method: .post,
                token: officer,
                body: #"{"template":"06/VPCP/KSTT","period":"2026Q1"}"#
            )
            #expect(opened.status == .created)
            let id = try #require((opened.object?["report"] as? [String: Any])?["id"] as? Int)
            #expect((opened.object?["report"] as? [String: Any])?["dueDate"] as? String == "2026-03-18")
            // Opening again finds the same report.
            let again = try await client.json(
                "/api/v1/reporting/reports",
                method: .post,
                token: officer,
                body: #"{"template":"06/VPCP/KSTT","period":"2026Q1"}"#
            )
            #expect((again.object?["report"] as? [String: Any])?["id"] as? Int == id)
            #expect(
                try await client.json(
                    "/api/v1/reporting/reports",
                    method: .post,
                    token: officer,
                    body: #"{"template":"06/VPCP/KSTT","period":"2026M01"}"#
                )
                .status.code == 422
            )
            #expect(try await client.json("/api/v1/reporting/reports/\(id)", token: outsider).status == .notFound)

            func values(_ pairs: [(String, String)]) -> String {
                let items = pairs.map { #"{"indicator":"TTHC.\#($0.0)","value":"\#($0.1)"}"# }
                return #"{"values":[\#(items.joined(separator: ","))]}"#
            }
            // One bad row refuses them all, each named.
            let bad = try await client.json(
                "/api/v1/reporting/reports/\(id)/values",
                method: .put,
                token: officer,
                body:
                    #"{"values":[{"indicator":"TTHC.TongSo","value":"12,5"},{"indicator":"TTHC.TyLeDungHan","value":"50"},{"indicator":"KTXH.DanSo","value":"1"}]}"#
            )
            #expect(bad.status.code == 422)
            let fields = ((bad.object?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            #expect(fields == ["values[0].value", "values[1].indicator", "values[2].indicator"], "\(bad.text)")
            #expect(try await rowCount("reporting_values", platform.database) == 0)
            let entered: [(String, String)] = [
                ("TongSo", "40"), ("TiepNhanTrucTuyen", "30"), ("TiepNhanTrucTiep", "8"), ("KyTruocChuyenSang", "2"), ("DaXuLy", "30"),
                ("DaXuLyTruocHan", "20"), ("DaXuLyDungHan", "5"), ("DaXuLyQuaHan", "4"), ("DangXuLy", "10"), ("DangXuLyTrongHan", "9"),
                ("DangXuLyQuaHan", "1"),
            ]
            let saved = try await client.json("/api/v1/reporting/reports/\(id)/values", method: .put, token: officer, body: values(entered))
            #expect(saved.status == .ok)
            #expect((saved.object?["totals"] as? [String: Any])?["TTHC.TyLeTrucTuyen"] as? Double != nil)
            // 20 + 5 + 4 ≠ 30: the blocking check names itself.
            let refused = try await client.json("/api/v1/reporting/reports/\(id)/actions/submit", method: .post, token: officer)
            #expect(refused.status.code == 422 && refused.text.contains("rules.TTHC.DaXuLyBangCacPhan"), "\(refused.text)")
            _ = try await client.json("/api/v1/reporting/reports/\(id)/values", method: .put, token: officer, body: values([("DaXuLyQuaHan", "5")]))
            let submitted = try await client.json("/api/v1/reporting/reports/\(id)/actions/submit", method: .post, token: officer)
            #expect((submitted.object?["report"] as? [String: Any])?["status"] as? String == "submitted", "\(submitted.text)")
            #expect(
                try await client.json("/api/v1/reporting/reports/\(id)/values", method: .put, token: officer, body: values([("TongSo", "41")])).status
                    == .conflict
            )
            // Only the receiving side returns, and with a reason.
            #expect(try await client.json("/api/v1/reporting/reports/\(id)/actions/accept", method: .post, token: officer).status == .conflict)
            #expect(
                try await client.json("/api/v1/reporting/reports/\(id)/actions/return", method: .post, token: receiver, body: #"{"note":" "}"#).status
                    .code
                    == 422
            )
            let returned = try await client.json(
                "/api/v1/reporting/reports/\(id)/actions/return",
                method: .post,
                token: receiver,
                body: #"{"note":"Kiểm tra lại số hồ sơ trực tuyến"}"#
            )
            #expect((returned.object?["report"] as? [String: Any])?["reviewNote"] as? String == "Kiểm tra lại số hồ sơ trực tuyến")
            _ = try await client.json(
                "/api/v1/reporting/reports/\(id)/values",
                method: .put,
                token: officer,
                body: values([("TiepNhanTrucTuyen", "31"), ("TiepNhanTrucTiep", "7")])
            )
            #expect(try await client.json("/api/v1/reporting/reports/\(id)/actions/submit", method: .post, token: officer).status == .ok)
            #expect(try await client.json("/api/v1/reporting/reports/\(id)/actions/accept", method: .post, token: receiver).status == .ok)
            let locked = try await client.json("/api/v1/reporting/reports/\(id)/actions/lock", method: .post, token: receiver)
            #expect((locked.object?["report"] as? [String: Any])?["status"] as? String == "locked")
            #expect((locked.object?["allowedActions"] as? [Any])?.isEmpty == true)
            let stored = try await platform.reporting.report(Int64(id), for: .system("check"))
            #expect(stored.values.first { $0.indicatorCode == "TTHC.TiepNhanTrucTuyen" }?.value == "31")
            #expect(stored.totals["TTHC.TyLeTrucTuyen"]?.rounded(2) == Decimal(string: "81.58"))
            let actions = try await platform.database.read { db in
                try await db.select().column("action").from("audit_log").where("target_type", .equal, "report").all().map {
                    try $0.decode(column: "action", as: String.self)
                }
            }
            #expect(
                actions.sorted() == [
                    "reporting.report.accept", "reporting.report.lock", "reporting.report.open", "reporting.report.return", "reporting.report.submit",
                    "reporting.report.submit", "reporting.report.values", "reporting.report.values", "reporting.report.values",
                ]
            )
        }
    }
}
