import Audit
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

@Suite struct APITests {
    @Test func tokensAndTheSignedInAccount() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let token = try await client.token("admin")
            let me = try await client.json("/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me.object?["username"] as? String == "admin")
            #expect(me.object?["passwordHash"] == nil && !me.text.contains("$2"))
            let wrong = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"admin","password":"wrong one 123"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.object?["detail"] as? String == "Tên đăng nhập hoặc mật khẩu không đúng")
        }
    }

    @Test func badInputGetsA4xxProblemAndWritesNothing() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let token = try await client.token("admin")
            let agenciesBefore = try await rowCount("agencies", platform.database)
            let auditBefore = try await rowCount("audit_log", platform.database)
            let cases: [(String, String, HTTPResponse.Status)] = [
                ("malformed JSON", #"{"identifier": "#, .badRequest),
                ("not an object", "[1,2]", .badRequest),
                ("wrong type", #"{"identifier": 5, "name": "X", "shortName": "X"}"#, .unprocessableContent),
                ("missing field", #"{"identifier": "000.00.40.H19"}"#, .unprocessableContent),
                ("unknown field", #"{"identifier": "000.00.40.H19", "name": "X", "shortName": "X", "isAdmin": true}"#, .unprocessableContent),
                ("invalid identifier", #"{"identifier": "000.00.H19", "name": "X", "shortName": "X"}"#, .unprocessableContent),
                (
                    "unknown parent", #"{"identifier": "000.00.40.H19", "name": "X", "shortName": "X", "parentIdentifier": "000.00.98.H19"}"#,
                    .unprocessableContent
                ),
                ("duplicate", #"{"identifier": "000.00.00.H19", "name": "X", "shortName": "X"}"#, .conflict),
            ]
            for (name, body, status) in cases {
                let response = try await client.json("/api/v1/agencies", method: .post, token: token, body: body)
                #expect(response.status == status, "\(name): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json; charset=utf-8", "\(name)")
                #expect(response.object?["detail"] is String && response.object?["status"] as? Int == Int(status.code), "\(name)")
            }
            let wrongType = try await client.json(
                "/api/v1/agencies",
                method: .post,
                token: token,
                body: "identifier=x",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(wrongType.status == .unsupportedMediaType)
            let huge = "[" + String(repeating: #"{"identifier":"000.00.40.H19","name":"X","shortName":"X"},"#, count: 200_000) + "{}]"
            let tooLarge = try await client.json("/api/v1/agencies/import", method: .post, token: token, body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            let unknown = try await client.json("/api/v1/no-such-thing", token: token)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            let badLimit = try await client.json("/api/v1/agencies?limit=abc")
            #expect(badLimit.status == .unprocessableContent)
            let badYear = try await client.json("/api/v1/calendar/99999")
            #expect(badYear.status == .unprocessableContent)
            #expect(try await rowCount("agencies", platform.database) == agenciesBefore)
            #expect(try await rowCount("audit_log", platform.database) == auditBefore)
        }
    }

    @Test func metacharactersAreStoredAsGivenAndRenderedEscaped() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let token = try await client.token("admin")
            let name = #"Sở <script>alert("x")</script> Robert'); DROP TABLE agencies;--"#
            let body = try String(
                decoding: JSONSerialization.data(withJSONObject: [
                    "identifier": "000.00.41.H19", "name": name, "shortName": "SX",
                    "parentIdentifier": "000.00.00.H19",
                ]),
                as: UTF8.self
            )
            let created = try await client.json("/api/v1/agencies", method: .post, token: token, body: body)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/api/v1/agencies/000.00.41.H19")
            let stored = try await platform.directory.agency("000.00.41.H19")
            #expect(stored?.name == name)
            #expect(try await rowCount("agencies", platform.database) == 112)
            // The admin page shows it escaped.
            var session = try await PageSession.signIn(client, username: "admin")
            let page = try await session.get("/admin/agencies?q=robert")
            #expect(page.text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
            #expect(!page.text.contains("<script>alert"))
        }
    }

    @Test func agencyImportAndExportOverTheAPI() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let token = try await client.token("admin")
            let csv = try await client.json("/api/v1/agencies/export?format=csv")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 112)
            let edited =
                csv.text.replacingOccurrences(of: "Sở Tư pháp,STP", with: "Sở Tư pháp tỉnh Đồng Nai,STP")
                + "000.00.42.H19,Sở mới,SM,000.00.00.H19,75,department,,,\r\n"
            let imported = try await client.json("/api/v1/agencies/import", method: .post, token: token, body: edited, contentType: "text/csv")
            #expect(imported.status == .ok)
            #expect(imported.object?["created"] as? Int == 1)
            #expect(imported.object?["updated"] as? Int == 1)
            #expect(imported.object?["unchanged"] as? Int == 110)
            #expect(try await platform.directory.agency("000.00.04.H19")?.name == "Sở Tư pháp tỉnh Đồng Nai")
            let json = try await client.json("/api/v1/agencies/export?format=json")
            #expect(json.array?.count == 112)
            let badHeader = try await client.json("/api/v1/agencies/import", method: .post, token: token, body: "a,b\n1,2\n", contentType: "text/csv")
            #expect(badHeader.status == .unprocessableContent)
            let department = try await client.json(
                "/api/v1/agencies/000.00.42.H19/departments",
                method: .post,
                token: token,
                body: #"{"code":"VP","name":"Văn phòng"}"#
            )
            #expect(department.status == .created)
            let one = try await client.json("/api/v1/agencies/000.00.42.H19")
            #expect((one.object?["departments"] as? [[String: Any]])?.first?["name"] as? String == "Văn phòng")
            let units = try await client.json("/api/v1/admin-units?parent=75")
            #expect(units.array?.count == 95)
        }
    }

    @Test func usersOverTheAPI() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let agencyAdmin = try await client.token("quantri.snv")
            let body =
                #"{"username":"cv.noivu","password":"Mat khau 2026","fullName":"Chuyên viên Nội vụ","roles":["processing_officer"],"agencyIdentifier":"000.00.02.H19","departmentCode":"VP"}"#
            let created = try await client.json("/api/v1/users", method: .post, token: agencyAdmin, body: body)
            #expect(created.status == .created)
            #expect(created.object?["username"] as? String == "cv.noivu")
            let elsewhere = body.replacingOccurrences(of: "000.00.02.H19", with: "000.00.05.H19").replacingOccurrences(
                of: "cv.noivu",
                with: "cv.xaydung"
            )
            let refused = try await client.json("/api/v1/users", method: .post, token: agencyAdmin, body: elsewhere)
            #expect(refused.status == .forbidden)
            let duplicate = try await client.json("/api/v1/users", method: .post, token: agencyAdmin, body: body)
            #expect(duplicate.status == .conflict)
            let list = try await client.json("/api/v1/users", token: agencyAdmin)
            let agencies = Set((list.object?["items"] as? [[String: Any]] ?? []).compactMap { $0["agencyIdentifier"] as? String })
            #expect(agencies == ["000.00.02.H19"])
            let register = try await client.json(
                "/api/v1/auth/register",
                method: .post,
                body: #"{"phoneOrEmail":"0977000111","password":"Cong dan 2026","fullName":"Đỗ Văn D","citizenId":"075100000001"}"#
            )
            #expect(register.status == .accepted && register.object?["status"] as? String == "code-sent")
            let code = try await registrationCode(platform, to: "0977000111")
            let confirmed = try await client.json(
                "/api/v1/auth/register/confirm",
                method: .post,
                body: #"{"phoneOrEmail":"0977000111","code":"\#(code)"}"#
            )
            #expect(confirmed.status == .created && confirmed.object?["username"] as? String == "0977000111")
            // An existing contact: the same answer as a new one.
            let again = try await client.json(
                "/api/v1/auth/register",
                method: .post,
                body: #"{"phoneOrEmail":"0977000111","password":"Cong dan 2026","fullName":"Đỗ Văn D"}"#
            )
            #expect(again.status == register.status && again.text == register.text)
            let badID = try await client.json(
                "/api/v1/auth/register",
                method: .post,
                body: #"{"phoneOrEmail":"0977000112","password":"Cong dan 2026","fullName":"Đỗ Văn E","citizenId":"123"}"#
            )
            #expect(badID.status == .unprocessableContent)
            #expect((badID.object?["errors"] as? [[String: Any]])?.first?["field"] as? String == "citizenId")
        }
    }

    @Test func passwordResetOverTheAPI() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let phone = DemoData.citizen.phone
            let oldToken = try await client.token(phone)
            let known = try await client.json("/api/v1/auth/password-reset", method: .post, body: #"{"username":"\#(phone)"}"#)
            let unknown = try await client.json("/api/v1/auth/password-reset", method: .post, body: #"{"username":"khong.co.ai"}"#)
            #expect(known.status == .accepted && unknown.status == known.status && unknown.text == known.text)
            let stray = try await client.json("/api/v1/auth/password-reset", method: .post, body: #"{"username":"\#(phone)","role":"admin"}"#)
            #expect(stray.status == .unprocessableContent || stray.status == .badRequest)
            let code = try await passwordResetCode(platform, to: phone)
            let wrong = try await client.json(
                "/api/v1/auth/password-reset/confirm",
                method: .post,
                body: #"{"username":"\#(phone)","code":"\#(code == "000000" ? "000001" : "000000")","newPassword":"Mat khau moi 2027"}"#
            )
            #expect(wrong.status == .unprocessableContent && (wrong.object?["errors"] as? [[String: Any]])?.first?["field"] as? String == "code")
            let done = try await client.json(
                "/api/v1/auth/password-reset/confirm",
                method: .post,
                body: #"{"username":"\#(phone)","code":"\#(code)","newPassword":"Mat khau moi 2027"}"#
            )
            #expect(done.status == .noContent)
            // The tokens issued before stop working; the new password signs in.
            #expect(try await client.json("/api/v1/me", token: oldToken).status == .unauthorized)
            let signIn = try await client.json("/api/v1/auth/token", method: .post, body: #"{"username":"\#(phone)","password":"Mat khau moi 2027"}"#)
            #expect(signIn.status == .ok)
        }
    }

    @Test func auditAndCalendarOverTheAPI() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let admin = try await client.token("admin")
            let put = try await client.json(
                "/api/v1/calendar/overrides/2026-12-31",
                method: .put,
                token: admin,
                body: #"{"kind":"dayOff","name":"Nghỉ cuối năm"}"#
            )
            #expect(put.status == .ok)
            let year = try await client.json("/api/v1/calendar/2026")
            let days = year.object?["days"] as? [[String: Any]] ?? []
            #expect(days.contains { $0["date"] as? String == "2026-12-31" && $0["kind"] as? String == "override" })
            #expect(days.contains { $0["date"] as? String == "2026-02-17" && $0["kind"] as? String == "holiday" })
            #expect(days.contains { $0["date"] as? String == "2026-08-22" && $0["isWorkingDay"] as? Bool == true })
            let delete = try await client.json("/api/v1/calendar/overrides/2026-12-31", method: .delete, token: admin)
            #expect(delete.status == .noContent)
            let again = try await client.json("/api/v1/calendar/overrides/2026-12-31", method: .delete, token: admin)
            #expect(again.status == .notFound)
            let auditor = try await client.token("auditor")
            let records = try await client.json("/api/v1/audit?action=calendar.override&targetId=2026-12-31", token: auditor)
            #expect((records.object?["items"] as? [[String: Any]])?.count == 2)
            let verify = try await client.json("/api/v1/audit/verify", token: auditor)
            #expect(verify.object?["intact"] as? Bool == true)
            let adminReadsAudit = try await client.json("/api/v1/audit", token: admin)
            #expect(adminReadsAudit.status == .forbidden)
        }
    }

    @Test func operationsEndpoints() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let health = try await client.json("/healthz")
            #expect(health.status == .ok)
            let ready = try await client.json("/readyz")
            #expect(ready.status == .ok)
            _ = try await client.json("/api/v1/agencies")
            let metrics = try await client.json("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/api/v1/agencies",status="200"}"#))
            #expect(metrics.text.contains("http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("db_up 1"))
            #expect(health.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }
}
