import ArgumentParser
import Hummingbird
import Server

/// `cqs fake-axis`: a local national document axis for demos and crash tests.
struct FakeAxisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-axis",
        abstract: "Trục văn bản quốc gia giả lập / Local fake national document axis (for demos and tests)."
    )

    @Option(help: "Listen port.") var port = 8090
    @Option(name: .customLong("delay-ms"), help: "Hold each delivery this many milliseconds.") var delayMilliseconds = 0

    func run() async throws {
        let axis = FakeNationalAxis(delay: .milliseconds(delayMilliseconds))
        let app = Application(router: axis.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        print("Fake national axis on http://127.0.0.1:\(port) — set CQS_NATIONAL_AXIS_URL to it")
        try await app.runService()
    }
}
