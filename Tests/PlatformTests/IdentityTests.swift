import Audit
import Core
import Foundation
import Identity
import Server
import Storage
import Synchronization
import Testing

/// A clock the test moves by hand: real time shifted by an offset, or a fixed start.
final class TestClock: Sendable {
    private let offset = Mutex(0.0)
    private let start: Date?

    init(start: Date? = nil) { self.start = start }

    /// A clock at a local time in Vietnam.
    convenience init(_ iso: String, _ hour: Int, _ minute: Int = 0) {
        self.init(start: VietnamTime.instant(LocalDateTime(date: LocalDate(iso: iso)!, time: LocalTime(hour: hour, minute: minute))))
    }

    func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }

    /// Moves to a local time in Vietnam (fixed-start clocks only).
    func set(_ iso: String, _ hour: Int, _ minute: Int = 0) {
        let target = VietnamTime.instant(LocalDateTime(date: LocalDate(iso: iso)!, time: LocalTime(hour: hour, minute: minute)))
        offset.withLock { $0 = target.timeIntervalSince(start ?? Date()) }
    }

    var wallClock: WallClock { WallClock { [self] in (start ?? Date()).addingTimeInterval(offset.withLock { $0 }) } }
}

@Suite struct IdentityTests {
    let admin = Principal.system("admin")

    func staff(_ username: String, roles: [Role] = [.processingOfficer], agency: String? = "000.00.05.H19", department: String? = nil)
        -> NewStaffAccount
    {
        NewStaffAccount(
            username: username,
            password: "Mat khau 2026",
            fullName: "Cán bộ \(username)",
            roles: roles,
            agencyIdentifier: agency,
            departmentCode: department
        )
    }

    @Test func staffAccountsAreValidatedAndAudited() async throws {
        try await TestEnvironment.withPlatform { platform in
            let account = try await platform.accounts.createStaff(staff("nguyen.van.a", department: "VP"), by: admin, requestID: "req-1")
            #expect(account.roles == [.processingOfficer])
            #expect(account.agencyIdentifier == "000.00.05.H19")
            let audit = try await AuditLog.list(platform.database, page: PageRequest(), action: "user.create", targetID: String(account.id))
            #expect(audit.items.count == 1)
            #expect(audit.items[0].requestId == "req-1")
            #expect(!audit.items[0].details.contains("Mat khau"))
            await expectRefusal(.conflict("Username nguyen.van.a is already taken")) {
                try await platform.accounts.createStaff(staff("nguyen.van.a"), by: admin, requestID: nil)
            }
            await expectRefusal(.invalid("username")) { try await platform.accounts.createStaff(staff("x"), by: admin, requestID: nil) }
            await expectRefusal(.invalid("agencyIdentifier")) {
                try await platform.accounts.createStaff(staff("no.agency", agency: nil), by: admin, requestID: nil)
            }
            await expectRefusal(.invalid("agencyIdentifier")) {
                try await platform.accounts.createStaff(staff("ghost.agency", agency: "000.00.99.H19"), by: admin, requestID: nil)
            }
            await expectRefusal(.invalid("departmentCode")) {
                try await platform.accounts.createStaff(staff("bad.dept", department: "NOPE"), by: admin, requestID: nil)
            }
            var weak = staff("weak.password")
            weak.password = "short"
            await expectRefusal(.invalid("password")) { try await platform.accounts.createStaff(weak, by: admin, requestID: nil) }
        }
    }

    @Test func agencyAdminsManageOnlyTheirAgency() async throws {
        try await TestEnvironment.withPlatform { platform in
            let snvAdmin = try #require(try await platform.accounts.account(username: "quantri.snv")).principal
            _ = try await platform.accounts.createStaff(staff("cv.snv", agency: "000.00.02.H19"), by: snvAdmin, requestID: nil)
            await expectRefusal(.forbidden("You may only create accounts in your own agency")) {
                try await platform.accounts.createStaff(staff("cv.sxd"), by: snvAdmin, requestID: nil)
            }
            await expectRefusal(.forbidden("Only a system administrator may grant this role")) {
                try await platform.accounts.createStaff(staff("root2", roles: [.systemAdmin], agency: "000.00.02.H19"), by: snvAdmin, requestID: nil)
            }
            let visible = try await platform.accounts.list(page: PageRequest(), agency: nil, by: snvAdmin)
            #expect(Set(visible.items.compactMap(\.agencyIdentifier)) == ["000.00.02.H19"])
            await expectRefusal(.forbidden("You may only list accounts of your own agency")) {
                try await platform.accounts.list(page: PageRequest(), agency: "000.00.05.H19", by: snvAdmin)
            }
        }
    }

    @Test func citizensRegisterByPhoneOrEmailWithACodeAndNobodyLearnsWhoIsRegistered() async throws {
        try await TestEnvironment.withPlatform { platform in
            let accounts = platform.accounts
            func register(_ contact: String, _ name: String, citizenId: String? = nil) async throws -> CodeSent {
                try await accounts.startRegistration(
                    CitizenRegistration(phoneOrEmail: contact, password: "Cong dan 2026", fullName: name, citizenId: citizenId),
                    requestID: nil
                )
            }
            // No account until the code comes back.
            let started = try await register("+84 987 654 321", "Trần Văn B", citizenId: "075200001234")
            let before = try await accounts.account(username: "0987654321")
            #expect(started.status == "code-sent" && before == nil)
            await expectRefusal(.invalid("code")) {
                try await accounts.confirmRegistration(phoneOrEmail: "0987654321", code: "000000", requestID: nil)
            }
            let code = try await registrationCode(platform, to: "0987654321")
            let byPhone = try await accounts.confirmRegistration(phoneOrEmail: "0987 654 321", code: code, requestID: nil)
            #expect(byPhone.username == "0987654321" && byPhone.roles == [.citizen])
            // A code works once.
            await expectRefusal(.invalid("code")) { try await accounts.confirmRegistration(phoneOrEmail: "0987654321", code: code, requestID: nil) }
            _ = try await register("Dan.C@Example.VN", "Lê Thị C")
            let byMail = try await accounts.confirmRegistration(
                phoneOrEmail: "dan.c@example.vn",
                code: try await registrationCode(platform, to: "dan.c@example.vn"),
                requestID: nil
            )
            #expect(byMail.username == "dan.c@example.vn")
            // A registered contact gets the same answer; its owner is told, no code is made.
            #expect(try await register("0987654321", "Trùng") == started)
            await expectRefusal(.invalid("code")) {
                try await accounts.confirmRegistration(
                    phoneOrEmail: "0987654321",
                    code: try await registrationCode(platform, to: "0987654321"),
                    requestID: nil
                )
            }
            // Five wrong codes end a registration.
            _ = try await register("0911222333", "Phạm D")
            let real = try await registrationCode(platform, to: "0911222333")
            for wrong in 0..<5 {
                await expectRefusal(.invalid("code")) {
                    try await accounts.confirmRegistration(
                        phoneOrEmail: "0911222333",
                        code: String(format: "%06d", (Int(real)! + 1 + wrong) % 1_000_000),
                        requestID: nil
                    )
                }
            }
            await expectRefusal(.invalid("code")) { try await accounts.confirmRegistration(phoneOrEmail: "0911222333", code: real, requestID: nil) }
            // Bad details are refused naming the field.
            await expectRefusal(.invalid("citizenId")) { try await register("0911111111", "X", citizenId: "12345") }
            await expectRefusal(.invalid("phoneOrEmail")) { try await register("not a contact", "X") }
        }
    }

    @Test func passwordResetTellsNobodyWhoExistsAndEndsTheOldCredentials() async throws {
        try await TestEnvironment.withPlatform { platform in
            let accounts = platform.accounts
            let phone = DemoData.citizen.phone
            func texts() async throws -> Int { try await platform.database.read { try await $0.count("outbox_messages") } }
            let account = try #require(try await accounts.account(username: phone))
            let sessions = SessionStore(database: platform.database, accounts: accounts)
            let authenticator = Authenticator(
                database: platform.database,
                accounts: accounts,
                hasher: PasswordHasher(cost: 4),
                limiter: LoginRateLimiter(database: platform.database, bucket: "login", limit: 1_000)
            )
            let session = try await sessions.open(for: account)
            // An unknown name gets the same answer as a real account, and nothing is sent.
            let before = try await texts()
            let unknown = try await accounts.startPasswordReset(username: "0999999999", requestID: nil)
            #expect(try await texts() == before)
            let known = try await accounts.startPasswordReset(username: "+84 " + phone.dropFirst(), requestID: nil)
            #expect(known == unknown && known.status == "code-sent")
            let code = try await passwordResetCode(platform, to: phone)
            // Asking again at once answers alike without texting again (no SMS bombing of one account).
            let sent = try await texts()
            #expect(try await accounts.startPasswordReset(username: phone, requestID: nil) == unknown)
            #expect(try await texts() == sent)
            // A weak password is refused naming the field, before the code is spent.
            do {
                try await accounts.confirmPasswordReset(PasswordResetConfirmation(username: phone, code: code, newPassword: "short"), requestID: nil)
                Issue.record("weak password accepted")
            } catch let DomainError.invalid(errors) { #expect(errors.map(\.field) == ["newPassword"]) }
            // A wrong code, and an unknown account, get the same refusal.
            let wrongCode = String(format: "%06d", (Int(code)! + 1) % 1_000_000)
            var refusals: [String] = []
            for (name, given) in [(phone, wrongCode), ("0999999999", code)] {
                do {
                    try await accounts.confirmPasswordReset(
                        PasswordResetConfirmation(username: name, code: given, newPassword: "Mat khau moi 2027"),
                        requestID: nil
                    )
                } catch let DomainError.invalid(errors) { refusals.append(errors.map { "\($0.field) \($0.messageVi)" }.joined()) }
            }
            #expect(refusals.count == 2 && refusals[0] == refusals[1] && refusals[0].hasPrefix("code "))
            try await accounts.confirmPasswordReset(
                PasswordResetConfirmation(username: phone, code: code, newPassword: "Mat khau moi 2027"),
                requestID: nil
            )
            // The code works once; the old password and the old session are gone; the new password signs in.
            await expectRefusal(.invalid("code")) {
                try await accounts.confirmPasswordReset(
                    PasswordResetConfirmation(username: phone, code: code, newPassword: "Lai mat khau 2028"),
                    requestID: nil
                )
            }
            #expect(try await sessions.session(token: session.token) == nil)
            await expectRefusal(.unauthenticated) {
                try await authenticator.login(username: phone, password: DemoData.password, clientAddress: "198.51.100.7", requestID: nil)
            }
            let signedIn = try await authenticator.login(
                username: phone,
                password: "Mat khau moi 2027",
                clientAddress: "198.51.100.7",
                requestID: nil
            )
            #expect(signedIn.id == account.id && signedIn.tokensRevokedAt != nil)
            let resets = try await AuditLog.list(platform.database, page: PageRequest(), action: "user.password_reset").items.filter {
                $0.action == "user.password_reset"
            }
            #expect(resets.map(\.targetId) == [String(account.id)])
        }
    }

    @Test func failuresSlowTheirOwnAddressButNeverLockTheOwnerOut() async throws {
        let clock = TestClock("2026-03-02", 9)  // stands still: the delays are measured on it, not on how fast the machine is
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let authenticator = Authenticator(
                database: platform.database,
                accounts: platform.accounts,
                hasher: PasswordHasher(cost: 4),
                limiter: LoginRateLimiter(database: platform.database, bucket: "login", limit: 1_000),
                clock: clock.wallClock
            )
            func login(_ username: String, _ password: String, from address: String) async -> (String, Int?) {
                do {
                    return (
                        try await authenticator.login(username: username, password: password, clientAddress: address, requestID: nil).username, nil
                    )
                } catch let DomainError.tooManyRequests(wait, vi, _) {
                    return ("429 \(vi.replacingOccurrences(of: "\(wait)", with: "N"))", wait)
                } catch let DomainError.unauthenticated(vi, _) {
                    return ("401 \(vi)", nil)
                } catch {
                    return ("\(error)", nil)
                }
            }
            // An existing account and a name nobody has get the same answers, attempt after attempt.
            for attempt in 1...7 {
                let known = await login("admin", "wrong password", from: "203.0.113.9")
                let unknown = await login("no.such.user", "wrong password", from: "203.0.113.9")
                #expect(known.0 == unknown.0, "attempt \(attempt): \(known.0) vs \(unknown.0)")
                if attempt > 5 { #expect(known.0.hasPrefix("429") && (known.1 ?? 0) <= 2) }
            }
            // Its owner, from anywhere else, signs in at once: nothing is locked.
            #expect(await login("admin", DemoData.password, from: "198.51.100.1").0 == "admin")
            // An attacker spreading guesses over many addresses slows the account only a little, and never for long.
            for n in 0..<60 { _ = await login("chuyenvien.sxd", "guess \(n)", from: "192.0.2.\(n)") }
            let (_, wait) = await login("chuyenvien.sxd", DemoData.password, from: "198.51.100.2")
            #expect((wait ?? 0) <= 60)
            clock.advance(61)
            #expect(await login("chuyenvien.sxd", DemoData.password, from: "198.51.100.2").0 == "chuyenvien.sxd")
            let lockouts = try await AuditLog.list(platform.database, page: PageRequest(), action: "auth.lockout").items
            let chain = try await AuditVerifier.verify(platform.database)
            #expect(lockouts.isEmpty && chain.intact)
        }
    }

    @Test func onlyTrustedProxiesNameTheClient() throws {
        let proxies = try TrustedProxies.parse("10.0.0.1, 172.16.0.0/12, ::1").get()
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "203.0.113.7") == "203.0.113.7")
        // spoofed left part ignored
        #expect(proxies.clientAddress(peer: "172.20.1.2", forwardedFor: "1.2.3.4, 203.0.113.7, 10.0.0.1") == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "198.51.100.5", forwardedFor: "203.0.113.7") == "198.51.100.5")  // not a proxy: header ignored
        #expect(proxies.clientAddress(peer: "::1", forwardedFor: "2001:db8::5") == "2001:db8::5")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: "not-an-ip") == "10.0.0.1")
        #expect(proxies.trusts("172.31.255.255") && !proxies.trusts("172.32.0.0"))
        guard case .failure(let error) = TrustedProxies.parse("10.0.0.1, proxy.local") else {
            Issue.record("accepted a host name")
            return
        }
        #expect(error.entry == "proxy.local")
    }

    @Test func addressesAreThrottled() async throws {
        try await TestEnvironment.withPlatform { platform in
            let limiter = LoginRateLimiter(database: platform.database, bucket: "login", limit: 3, window: 600)
            let authenticator = Authenticator(
                database: platform.database,
                accounts: platform.accounts,
                hasher: PasswordHasher(cost: 4),
                limiter: limiter
            )
            for _ in 1...3 {
                await expectRefusal(.unauthenticated) {
                    try await authenticator.login(username: "nobody", password: "x", clientAddress: "10.9.9.9", requestID: nil)
                }
            }
            do {
                _ = try await authenticator.login(username: "admin", password: DemoData.password, clientAddress: "10.9.9.9", requestID: nil)
                Issue.record("throttled address signed in")
            } catch let DomainError.tooManyRequests(wait, _, _) {
                #expect(wait > 0)
            }
            // Another address is not affected.
            #expect(
                try await authenticator.login(username: "admin", password: DemoData.password, clientAddress: "10.9.9.8", requestID: nil).username
                    == "admin"
            )
        }
    }

    @Test func sessionsExpireAndTokensAreVerified() async throws {
        let clock = TestClock()
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let account = try #require(try await platform.accounts.account(username: "admin"))
            let sessions = SessionStore(database: platform.database, accounts: platform.accounts, lifetime: 3600, clock: clock.wallClock)
            let opened = try await sessions.open(for: account)
            #expect(try await sessions.session(token: opened.token)?.account.id == account.id)
            #expect(try await sessions.session(token: opened.token + "x") == nil)
            clock.advance(3601)
            #expect(try await sessions.session(token: opened.token) == nil)

            let tokens = try TokenService(database: platform.database, configuredSecret: nil, lifetime: 60, clock: clock.wallClock)
            let token = try await tokens.issue(for: account)
            #expect(await tokens.userID(from: token) == account.id)
            var tampered = Array(token)
            tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
            #expect(await tokens.userID(from: String(tampered)) == nil)
            let other = try TokenService(database: platform.database, configuredSecret: String(repeating: "k", count: 32), clock: clock.wallClock)
            #expect(await other.userID(from: token) == nil)
            expectRefusal(.invalid("jwtSecret")) { try TokenService(database: platform.database, configuredSecret: "short") }
        }
    }
}
