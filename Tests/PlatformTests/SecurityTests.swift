import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// Outside testers' findings (issue "security hardening"), each as the attack it was.
@Suite struct SecurityTests {
    /// Known open-redirect bypasses: none is followed after sign-in.
    static let bypasses = [
        "//evil.example", "///evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", " /evil.example",
        "/%09/evil.example", "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%5cevil.example",
        "/%252F/evil.example", "/%25252F%25252Fevil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)",
        "/\u{200B}/evil.example", "/\u{00A0}/evil.example", "/\u{2028}/evil.example", "/\u{0085}/evil.example", "\\\\evil.example", "",
        "/" + String(repeating: "a", count: 600),
    ]

    @Test(arguments: bypasses)
    func redirectBypassesAreNotFollowed(target: String) {
        #expect(SafeRedirect.localPath(target) == nil, "\(target.debugDescription) was accepted")
    }

    @Test func localPathsAreFollowed() {
        for path in ["/account", "/dossiers/000.00.15.H19-260302-0001?tab=files", "/documents?dir=in&page=2", "/", "/tra-c%E1%BB%A9u"] {
            #expect(SafeRedirect.localPath(path) == path, "\(path)")
        }
    }

    static func login(_ client: any TestClientProtocol, _ username: String, _ password: String, from address: String) async throws
        -> HTTPResponse.Status
    {
        try await client.execute(
            uri: "/api/v1/auth/token",
            method: .post,
            headers: [.contentType: "application/json", .init("X-Forwarded-For")!: address],
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ).status
    }

    /// Behind a trusted reverse proxy each client has its own budget: guesses spread over many
    /// addresses neither lock the owner out nor spend anyone else's attempts, one address guessing
    /// is slowed; without the proxy configured, a forged `X-Forwarded-For` changes nothing.
    /// The clock stands still, so a delay cannot run out between two guesses on a busy machine.
    @Test func lockoutAbuseThroughATrustedProxy() async throws {
        let proxies = try TrustedProxies.parse("127.0.0.1, ::1").get()
        let start = Date()
        let still = WallClock { start }
        try await TestEnvironment.withApp(
            .live,
            clock: still,
            configure: { $0.trustedProxies = proxies },
            { client, _, _ in
                var spread: [HTTPResponse.Status] = []
                for n in 1...30 { spread.append(try await Self.login(client, "admin", "guess \(n)", from: "203.0.113.\(n)")) }
                #expect(spread == Array(repeating: .unauthorized, count: 30))
                let owner = try await Self.login(client, "admin", DemoData.password, from: "198.51.100.20")
                #expect(owner == .ok)
                var guesses: [HTTPResponse.Status] = []
                for _ in 1...6 { guesses.append(try await Self.login(client, "chuyenvien.sxd", "guess", from: "192.0.2.66")) }
                #expect(guesses == Array(repeating: .unauthorized, count: 5) + [.tooManyRequests])
                let neighbour = try await Self.login(client, "chuyenvien.sxd", DemoData.password, from: "192.0.2.67")
                #expect(neighbour == .ok)
            }
        )
        try await TestEnvironment.withApp(.live, clock: still) { client, _, _ in
            for n in 1...20 { _ = try await Self.login(client, "no.such.user\(n)", "guess", from: "203.0.113.\(n)") }
            let forged = try await Self.login(client, "admin", DemoData.password, from: "198.51.100.21")
            #expect(forged == .tooManyRequests)
        }
    }

    @Test func signInNeverRedirectsElsewhere() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let page = try await client.execute(uri: "/login?next=%2F%09%2Fevil.example", method: .get)
            // The form carries no such target (the language link may repeat the query: it stays on this site).
            let form = String(buffer: page.body)
            let carried = form.range(of: #"name="next" value=""#).map { String(form[$0.upperBound...].prefix { $0 != "\"" }) }
            #expect(carried?.contains("evil.example") != true)
            for next in ["/\t/evil.example", "/%09/evil.example", "/\\evil.example"] {
                var session = PageSession(client: client)
                let form = try await session.get("/login")
                let answer = try await session.post(
                    "/login",
                    form: [
                        "_csrf": PageSession.csrf(in: form.text) ?? "", "username": "admin",
                        "password": DemoData.password, "next": next,
                    ]
                )
                #expect(answer.headers[.location] == "/admin/users", "\(next.debugDescription) → \(answer.headers[.location] ?? "")")
            }
        }
    }

    @Test func signingOutRevokesTheAccountsAPITokens() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let token = try await client.token("admin")
            #expect(try await client.json("/api/v1/me", token: token).status == .ok)
            #expect(try await client.json("/api/v1/auth/logout", method: .post, token: token).status == .noContent)
            #expect(try await client.json("/api/v1/me", token: token).status == .unauthorized)
            try await Task.sleep(for: .milliseconds(1_100))  // tokens carry their issue time in seconds
            let fresh = try await client.token("admin")
            #expect(try await client.json("/api/v1/me", token: fresh).status == .ok)
        }
    }

    @Test func metricsAreForInternalAddressesOrTheTokenHolder() throws {
        let access = MetricsAccess(addresses: try TrustedProxies.parse("127.0.0.1, 10.10.0.0/16").get(), token: "metrics-token-of-the-province-ops")
        #expect(access.allows(address: "127.0.0.1", authorization: nil) && access.allows(address: "10.10.3.4", authorization: nil))
        #expect(!access.allows(address: "203.0.113.5", authorization: nil))
        #expect(!access.allows(address: "203.0.113.5", authorization: "Bearer wrong"))
        #expect(access.allows(address: "203.0.113.5", authorization: "Bearer metrics-token-of-the-province-ops"))
        #expect(!MetricsAccess(addresses: .none, token: nil).allows(address: "203.0.113.5", authorization: "Bearer "))
    }

    @Test func laxInputIsRefusedNamingTheFieldAndNeverTheSwiftType() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let counter = try await client.token("motcua.ttpvhcc")
            func create(_ body: [String: Any]) async throws -> (Int, String) {
                var dossier: [String: Any] = ["procedureCode": "2.000488", "applicant": ["fullName": "Nguyễn Thị Dân", "phone": "0912345678"]]
                for (key, value) in body { dossier[key] = value }
                let text = String(decoding: try JSONSerialization.data(withJSONObject: dossier), as: UTF8.self)
                let answer = try await client.json("/api/v1/dossiers", method: .post, token: counter, body: text)
                return (Int(answer.status.code), answer.text)
            }
            let cases: [(String, [String: Any], String)] = [
                ("a subject over its limit is refused, not cut", ["subject": String(repeating: "đ", count: 501)], "subject"),
                ("a NUL in a name", ["applicant": ["fullName": "Nguyễn\u{0}Dân", "phone": "0912345678"]], "applicant.fullName"),
                ("a control character in a subject", ["subject": "V/v\u{1B}[31m"], "subject"),
                ("an unknown nested field", ["applicant": ["fullName": "A", "phone": "0912345678", "role": "system_admin"]], "applicant.role"),
                ("channel 99", ["channel": 99], "channel"),
                ("channel -1", ["channel": -1], "channel"),
                ("channel 2 at the counter", ["channel": 2], "channel"),
            ]
            for (name, body, field) in cases {
                let (status, text) = try await create(body)
                #expect(status == 422 && text.contains(field), "\(name): \(status) \(text.prefix(300))")
            }
            #expect(try await create(["subject": "V/v xin cấp phiếu\tlý lịch"]).0 == 201)
            // An enum value out of range is named as such, never as a Swift initialiser.
            let clerk = try await client.token("vanthu.sxd")
            let answer = try await client.json(
                "/api/v1/documents/outgoing",
                method: .post,
                token: clerk,
                body: #"{"typeCode":"CV","subject":"V/v","urgency":99,"recipients":[{"organId":"000.00.06.H19"}],"signer":"lanhdao.sxd"}"#
            )
            #expect(
                answer.status.code == 422 && answer.text.contains("urgency") && !answer.text.contains("Cannot initialize")
                    && !answer.text.contains("Urgency"),
                "\(answer.text)"
            )
        }
    }

    @Test func cursorsFormatsDatesAndRecipientsAreChecked() async throws {
        #expect(throws: ValidationError.self) { _ = try PageRequest(cursor: "abc").afterKey() }
        #expect(try PageRequest(cursor: PageRequest.cursor(after: 12_345)).afterKey() == 12_345)
        #expect(LocalDate(iso: "9999-12-31") == nil && LocalDate(iso: "2026-12-31") != nil)
        try await TestEnvironment.withApp { client, _, _ in
            let admin = try await client.token("admin")
            #expect(try await client.json("/api/v1/agencies?cursor=abc", token: admin).status.code == 422)
            #expect(try await client.json("/api/v1/statistics/dossiers?format=exe", token: admin).status.code == 422)
            let clerk = try await client.token("vanthu.sxd")
            let twice =
                #"{"typeCode":"CV","subject":"V/v","recipients":[{"organId":"000.00.06.H19"},{"organId":"000.00.06.H19"}],"signer":"lanhdao.sxd"}"#
            let answer = try await client.json("/api/v1/documents/outgoing", method: .post, token: clerk, body: twice)
            #expect(answer.status.code == 422 && answer.text.contains("recipients[1]"), "\(answer.text)")
        }
    }

    @Test func fileNamesAreLimitedAndSanitised() throws {
        let pdf = Data("%PDF-1.4\n%%EOF\n".utf8)
        expectRefusal(.invalid("file")) { _ = try FileType.accept(pdf, name: String(repeating: "a", count: 5_000) + ".pdf", maxSize: 1 << 20) }
        let accepted = try FileType.accept(pdf, name: "../../etc/<script>tờ khai.pdf", maxSize: 1 << 20)
        #expect(accepted.name == "scripttờ khai.pdf")
    }

    @Test func unreadableSignaturesAreExplainedWithoutTheParsersTypeNames() async throws {
        try await TestEnvironment.withPlatform { platform in
            // A truncated DER sequence, and bytes that are no DER at all.
            for bytes in [Data([0x30, 0x82, 0x05, 0xA9, 0x30, 0x82]), Data("not a signature".utf8)] {
                let report = try await platform.certificates.verify(bytes, content: Data("x".utf8))
                #expect(!report.valid && report.problems.allSatisfy { !$0.contains("ASN1") && !$0.contains("Error") }, "\(report.problems)")
            }
        }
    }
}
