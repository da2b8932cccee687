import ArgumentParser
import Hummingbird
import Server

/// `cqs fake-portal`: a local national public-service portal adapter for demos and tests.
struct FakePortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-portal",
        abstract: "Cổng DVC quốc gia giả lập / Local fake national public-service portal (for demos and tests)."
    )

    @Option(help: "Listen port.") var port = 8091
    @Option(help: "Login accepted by POST /auth.") var username = "dongnai"
    @Option(help: "Password accepted by POST /auth.") var password = "matkhau-dvcqg"
    @Option(help: "The unit code (madonvi) every call must carry.") var madonvi = "000.00.00.H19"
    @Option(help: "Required dstcode header, if any.") var dstcode: String?
    @Option(name: .customLong("session-seconds"), help: "How long a session lasts.") var sessionSeconds = 600

    func run() async throws {
        let portal = FakeNationalPortal(
            username: username,
            password: password,
            unitCode: madonvi,
            dstcode: dstcode,
            sessionLifetime: .seconds(sessionSeconds)
        )
        let app = Application(router: portal.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        print(
            "Fake national portal on http://127.0.0.1:\(port) — set CQS_NATIONAL_PORTAL_URL=http://127.0.0.1:\(port)/integration, "
                + "CQS_NATIONAL_PORTAL_AUTH_URL=http://127.0.0.1:\(port)/auth, CQS_NATIONAL_PORTAL_USERNAME=\(username), "
                + "CQS_NATIONAL_PORTAL_PASSWORD=…, CQS_NATIONAL_PORTAL_MADONVI=\(madonvi)"
        )
        try await app.runService()
    }
}
