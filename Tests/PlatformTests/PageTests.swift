import Core
import Dossiers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// A browser-like client: keeps cookies and reads CSRF tokens from forms.
struct PageSession: Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The browser it says it is (the account page names sessions by it).
    var userAgent: String?

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    mutating func keep(_ response: TestResponse) {
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
    }

    mutating func get(_ uri: String) async throws -> TestResponse {
        var headers: HTTPFields = cookies.isEmpty ? [:] : [.cookie: cookieHeader]
        if let userAgent { headers[.userAgent] = userAgent }
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        keep(response)
        return response
    }

    mutating func post(_ uri: String, form: [String: String]) async throws -> TestResponse {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        if let userAgent { headers[.userAgent] = userAgent }
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// Posts a multipart form with files (field name → (file name, bytes)).
    mutating func postMultipart(_ uri: String, fields: [String: String], files: [String: (String, Data)]) async throws -> TestResponse {
        let boundary = "----cqs\(UUID().uuidString)"
        var body = Data()
        func add(_ text: String) { body.append(Data(text.utf8)) }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (name, (fileName, data)) in files.sorted(by: { $0.key < $1.key }) {
            add(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            body.append(data)
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        var headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
        keep(response)
        return response
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func signIn(
        _ client: any TestClientProtocol,
        username: String,
        password: String = DemoData.password,
        userAgent: String? = nil
    ) async throws -> PageSession {
        var session = PageSession(client: client, userAgent: userAgent)
        let page = try await session.get("/login")
        let response = try await session.post("/login", form: ["_csrf": csrf(in: page.text) ?? "", "username": username, "password": password])
        guard response.status == .seeOther else { throw TestFailure("sign-in failed: \(response.status)") }
        return session
    }
}

@Suite struct PageTests {
    /// The home page leads with the search, then what most people come for, the lookup and
    /// whom to call.
    @Test func homePageSearchesLooksUpAndListsWhatPeopleAskFor() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var session = PageSession(client: client)
            let before = try await session.get("/")
            #expect(before.text.contains(#"action="/procedures""#) && before.text.contains(#"type="search""#))
            #expect(before.text.contains(#"action="/lookup""#) && before.text.contains(#"href="tel:1022""#))
            #expect(before.text.contains("Trung tâm Phục vụ hành chính công tỉnh") && before.text.contains("07:30–11:30"))
            #expect(!before.text.contains(#"id="popular""#), "no popularity without dossiers")
            let counter = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
            let applicant = Applicant(fullName: "Trần Văn Khách", kind: 1, phone: "0912000111")
            for code in ["1.004227", "1.004227", "1.001612"] {
                _ = try await platform.dossiers.create(
                    NewDossier(procedureCode: code, agencyIdentifier: "000.46.50.H19", applicant: applicant),
                    by: counter,
                    requestID: nil
                )
            }
            let popular = try await platform.dossiers.popularProcedures()
            #expect(popular.map(\.code) == ["1.004227", "1.001612"] && popular.first?.dossiers == 2)
            let after = try await session.get("/")
            #expect(after.text.contains(#"id="popular""#) && after.text.contains(#"href="/procedures/1.004227""#))
        }
    }

    @Test func homePageInVietnameseAndEnglish() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var session = PageSession(client: client)
            let vi = try await session.get("/")
            #expect(vi.status == .ok)
            #expect(vi.text.contains(#"<html lang="vi">"#))
            #expect(vi.text.contains("Tỉnh Đồng Nai"))
            #expect(vi.text.contains("<strong>111</strong>") && vi.text.contains("<strong>95</strong>"))
            #expect(vi.text.contains(#"<main id="main""#) && vi.text.contains(#"<nav aria-label="#) && vi.text.contains(#"class="skip""#))
            let en = try await session.get("/?lang=en")
            #expect(en.text.contains(#"<html lang="en">"#) && en.text.contains("Sign in"))
            let stillEnglish = try await session.get("/calendar?year=2026")
            #expect(stillEnglish.text.contains("Lunar New Year"))
        }
    }

    @Test func securityHeadersAndStaticCaching() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var session = PageSession(client: client)
            let home = try await session.get("/")
            let csp = home.headers[.contentSecurityPolicy] ?? ""
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
            #expect(home.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(home.headers[.xContentTypeOptions] == "nosniff")
            #expect(!home.text.contains("<script>") && !home.text.contains(" style=\""))
            let css = try await session.get("/static/app.css")
            #expect(css.status == .ok)
            #expect(css.headers[.cacheControl]?.contains("max-age=31536000") == true)
            let etag = try #require(css.headers[.eTag])
            let again = try await client.execute(uri: "/static/app.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let missing = try await session.get("/static/nope.js")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("<html"))
        }
    }

    @Test func loginNeedsTheCSRFTokenAndSetsASafeCookie() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var session = PageSession(client: client)
            let page = try await session.get("/login")
            let token = try #require(PageSession.csrf(in: page.text))
            let forged = try await session.post("/login", form: ["_csrf": "forged", "username": "admin", "password": DemoData.password])
            #expect(forged.status == .forbidden)
            let noCookie = try await client.execute(
                uri: "/login",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(token)&username=admin&password=\(DemoData.password)")
            )
            #expect(noCookie.status == .forbidden)
            let wrong = try await session.post("/login", form: ["_csrf": token, "username": "admin", "password": "wrong password 9"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Tên đăng nhập hoặc mật khẩu không đúng"))
            let ok = try await session.post(
                "/login",
                form: ["_csrf": token, "username": "admin", "password": DemoData.password, "next": "//evil.example/"]
            )
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/admin/users")
            let cookie = ok.headers[values: .setCookie].first { $0.hasPrefix("cqs_session=") } ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let account = try await session.get("/account")
            #expect(account.status == .ok)
            #expect(account.text.contains("Quản trị hệ thống"))
            // After sign-in, forms carry the session's token; sign out ends the session.
            let logout = try await session.post("/logout", form: ["_csrf": PageSession.csrf(in: account.text) ?? ""])
            #expect(logout.status == .seeOther)
            let after = try await session.get("/account")
            #expect(after.status == .found)
        }
    }

    @Test func citizenRegistersOnThePage() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var session = PageSession(client: client)
            let page = try await session.get("/register")
            let token = PageSession.csrf(in: page.text) ?? ""
            let bad = try await session.post(
                "/register",
                form: ["_csrf": token, "fullName": "<b>Ánh</b>", "phoneOrEmail": "123", "password": "short"]
            )
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("&lt;b&gt;Ánh&lt;/b&gt;"))
            #expect(bad.text.contains("Mật khẩu phải dài 10–72 ký tự") && bad.text.contains("role=\"alert\""))
            let sent = try await session.post(
                "/register",
                form: ["_csrf": token, "fullName": "Nguyễn Thị Ánh", "phoneOrEmail": "0933444555", "password": "Cong dan 2026"]
            )
            #expect(sent.status == .ok && sent.text.contains("id=\"code-sent\""))
            let wrong = try await session.post("/register/confirm", form: ["_csrf": token, "phoneOrEmail": "0933444555", "code": "000000"])
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("Mã xác nhận không đúng"))
            let good = try await session.post(
                "/register/confirm",
                form: [
                    "_csrf": token, "phoneOrEmail": "0933444555",
                    "code": try await registrationCode(platform, to: "0933444555"),
                ]
            )
            #expect(good.status == .seeOther)
            let account = try await session.get("/account")
            #expect(account.text.contains("Nguyễn Thị Ánh"))
            let admin = try await session.get("/admin/users")
            #expect(admin.status == .forbidden)
        }
    }

    @Test func citizenResetsTheirPasswordOnThePage() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var session = PageSession(client: client)
            let login = try await session.get("/login")
            #expect(login.text.contains(#"href="/password-reset""#))
            let page = try await session.get("/password-reset")
            let token = PageSession.csrf(in: page.text) ?? ""
            let unknown = try await session.post("/password-reset", form: ["_csrf": token, "username": "0999999999"])
            let known = try await session.post("/password-reset", form: ["_csrf": token, "username": DemoData.citizen.phone])
            #expect(known.status == .ok && known.text.contains("id=\"code-sent\""))
            #expect(
                PageSnapshotTests.normalised(unknown.text.replacingOccurrences(of: "0999999999", with: DemoData.citizen.phone))
                    == PageSnapshotTests.normalised(known.text)
            )
            let wrong = try await session.post(
                "/password-reset/confirm",
                form: [
                    "_csrf": token, "username": DemoData.citizen.phone, "code": "000000",
                    "newPassword": "Mat khau moi 2027",
                ]
            )
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("Mã xác nhận không đúng"))
            let good = try await session.post(
                "/password-reset/confirm",
                form: [
                    "_csrf": token, "username": DemoData.citizen.phone,
                    "code": try await passwordResetCode(platform, to: DemoData.citizen.phone),
                    "newPassword": "Mat khau moi 2027",
                ]
            )
            #expect(good.status == .seeOther && good.headers[.location] == "/login?reset=done")
            let notice = try await session.get("/login?reset=done")
            #expect(notice.text.contains("id=\"password-reset-done\""))
            _ = try await PageSession.signIn(client, username: DemoData.citizen.phone, password: "Mat khau moi 2027")
        }
    }

    @Test func adminEditsTheCalendarOnThePage() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var admin = try await PageSession.signIn(client, username: "admin")
            let page = try await admin.get("/calendar?year=2027")
            let token = try #require(PageSession.csrf(in: page.text))
            #expect(page.text.contains(#"action="/calendar/overrides""#))
            #expect(!page.text.contains(#"type="date""#), "dates are typed day/month/year, not in the browser's locale")
            let added = try await admin.post(
                "/calendar/overrides",
                form: ["_csrf": token, "date": "31/12/2027", "kind": "dayOff", "name": "Nghỉ cuối năm"]  // typed day first
            )
            #expect(added.status == .seeOther)
            #expect(try await !platform.calendar.workingCalendar().isWorkingDay(LocalDate(iso: "2027-12-31")!))
            let shown = try await admin.get("/calendar?year=2027")
            #expect(shown.text.contains("Nghỉ cuối năm"))
            let removed = try await admin.post("/calendar/overrides/remove", form: ["_csrf": token, "date": "2027-12-31"])
            #expect(removed.status == .seeOther)
            #expect(try await platform.calendar.workingCalendar().isWorkingDay(LocalDate(iso: "2027-12-31")!))
            // A leader sees the calendar but no form, and cannot post to it.
            var leader = try await PageSession.signIn(client, username: "lanhdao.ubnd")
            let readOnly = try await leader.get("/calendar?year=2027")
            #expect(!readOnly.text.contains(#"action="/calendar/overrides""#))
            let refused = try await leader.post(
                "/calendar/overrides",
                form: ["_csrf": PageSession.csrf(in: readOnly.text) ?? "", "date": "2027-12-30", "kind": "dayOff", "name": "x"]
            )
            #expect(refused.status == .forbidden)
        }
    }

    @Test func adminPagesListAgenciesAndUsers() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var admin = try await PageSession.signIn(client, username: "admin")
            let agencies = try await admin.get("/admin/agencies?q=bien%20hoa")
            #expect(agencies.status == .ok)
            #expect(agencies.text.contains("Ủy ban nhân dân phường Biên Hòa"))
            let users = try await admin.get("/admin/users")
            #expect(users.text.contains("quantri.snv"))
            var agencyAdmin = try await PageSession.signIn(client, username: "quantri.snv")
            let own = try await agencyAdmin.get("/admin/users")
            #expect(own.status == .ok && own.text.contains("quantri.snv") && !own.text.contains("chuyenvien.sxd"))
        }
    }
}

@Suite struct QueryDecodingTests {
    @Test func formEncodedSearchesWork() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var session = PageSession(client: client)
            // Browsers send spaces in GET forms as "+"; "%2B" is a literal plus.
            let page = try await session.get("/procedures?q=dang+ky+khai+sinh&field=")
            #expect(page.text.contains("Đăng ký khai sinh"))
            #expect(!page.text.contains("Trang sau"))  // one page only: no "next" link
            let api = try await client.json("/api/v1/procedures?q=dang+ky+ho+kinh+doanh")
            #expect((api.object?["items"] as? [[String: Any]])?.first?["code"] as? String == "1.001612")
        }
    }
}
