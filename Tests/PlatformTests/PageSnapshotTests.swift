import Core
import Foundation
import HummingbirdTesting
import Server
import Testing

/// The main page of each context compared with its reviewed HTML under `Snapshots/`, so that a
/// change of layout or content shows in review. The clock stands still and the values that change
/// from run to run (CSRF tokens, the stylesheet's content hash) are masked. To accept a change,
/// run with `CQS_RECORD_SNAPSHOTS=1` and review the diff of the files it writes.
@Suite struct PageSnapshotTests {
    /// 10/03/2026 09:00, Vietnam time (a Tuesday).
    static let now = Date(timeIntervalSince1970: 1_773_108_000)

    @Test func eachContextsMainPagesLookAsReviewed() async throws {
        let still = WallClock { Self.now }
        try await TestEnvironment.withApp(clock: still) { client, platform, _ in
            var visitor = PageSession(client: client)
            try await Self.expectSnapshot("home", try await visitor.get("/"))
            try await Self.expectSnapshot("login", try await visitor.get("/login"))
            try await Self.expectSnapshot("procedure", try await visitor.get("/procedures/1.004227"))
            try await Self.expectSnapshot("lookup", try await visitor.get("/lookup"))
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            try await Self.expectSnapshot("dossier-new", try await citizen.get("/dossiers/new?procedure=1.004227"))
            let form = try await citizen.get("/dossiers/new?procedure=1.004227")
            let pdf = Data("%PDF-1.4\n%%EOF\n".utf8)
            let submitted = try await citizen.postMultipart(
                "/dossiers",
                fields: [
                    "_csrf": PageSession.csrf(in: form.text) ?? "", "procedure": "1.004227", "agency": "000.46.50.H19",
                    "fullName": "Nguyễn Thị Dân", "phone": "0912345678",
                ],
                files: ["file0": ("don.pdf", pdf), "file1": ("hop-dong.pdf", pdf), "file2": ("gcn.pdf", pdf), "file3": ("to-khai.pdf", pdf)]
            )
            let location = try #require(submitted.headers[.location])
            var counter = try await PageSession.signIn(client, username: "motcua.bienhoa")
            try await Self.expectSnapshot("dossier", try await counter.get(location))
            var clerk = try await PageSession.signIn(client, username: "vanthu.sxd")
            try await Self.expectSnapshot("document-new", try await clerk.get("/documents/new/incoming"))
            var leader = try await PageSession.signIn(client, username: "lanhdao.sxd")
            try await Self.expectSnapshot("task-new", try await leader.get("/tasks/new"))
            var admin = try await PageSession.signIn(client, username: "admin")
            try await Self.expectSnapshot("calendar", try await admin.get("/calendar?year=2026"))
            var agencyAdmin = try await PageSession.signIn(client, username: "quantri.snv")
            try await Self.expectSnapshot("users", try await agencyAdmin.get("/admin/users"))
            let officer = try #require(try await platform.accounts.account(username: "chuyenvien.sxd"))
            try await Self.expectSnapshot("user", try await admin.get("/admin/users/\(officer.id)"))
        }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// The page with what changes from run to run masked.
    static func normalised(_ html: String) -> String {
        html.replacingOccurrences(of: #"name="_(csrf|once)" value="[^"]*""#, with: #"name="_$1" value="…""#, options: .regularExpression)
            .replacingOccurrences(of: #"\?v=[0-9a-f]+"#, with: "?v=…", options: .regularExpression)
    }

    static func expectSnapshot(_ name: String, _ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(response.status == .ok, "\(name): \(response.status)", sourceLocation: sourceLocation)
        let actual = normalised(response.text)
        let file = directory.appendingPathComponent("\(name).html")
        if ProcessInfo.processInfo.environment["CQS_RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("\(name): no reviewed snapshot at \(file.path); record it with CQS_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
            return
        }
        if actual != expected {
            let a = actual.components(separatedBy: "\n")
            let e = expected.components(separatedBy: "\n")
            let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record(
                """
                \(name): the page differs from Snapshots/\(name).html from line \(line + 1):
                  reviewed: \(line < e.count ? e[line] : "(end)")
                  now:      \(line < a.count ? a[line] : "(end)")
                """,
                sourceLocation: sourceLocation
            )
        }
    }
}
