import Core
import Delivery
import Dossiers
import Foundation
import Identity
import NIOCore
import NIOExtras
import NIOPosix
import Server
import Synchronization
import Testing

/// A local SMTP sink: speaks enough SMTP (RFC 5321) to accept mail and keeps what it got.
actor SMTPSink {
    struct Mail: Sendable {
        let from: String
        let to: [String]
        let data: String
    }

    private(set) var mails: [Mail] = []
    func add(_ mail: Mail) { mails.append(mail) }

    static func run(_ body: @Sendable (SMTPSink, Int) async throws -> Void) async throws {
        let sink = SMTPSink()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        try? await connection.executeThenClose { inbound, outbound in
                            func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
                            try await say("220 sink ESMTP")
                            var from = ""
                            var to: [String] = []
                            var data: [String] = []
                            var inData = false
                            for try await buffer in inbound {
                                let line = String(buffer: buffer).trimmingCharacters(in: .newlines)
                                if inData {
                                    if line == "." {
                                        inData = false
                                        await sink.add(Mail(from: from, to: to, data: data.joined(separator: "\n")))
                                        try await say("250 queued")
                                    } else {
                                        data.append(line)
                                    }
                                    continue
                                }
                                switch line.prefix(4).uppercased() {
                                case "EHLO":
                                    try await say("250-sink")
                                    try await say("250 8BITMIME")
                                case "MAIL":
                                    from = line
                                    try await say("250 ok")
                                case "RCPT":
                                    to.append(line)
                                    try await say("250 ok")
                                case "DATA":
                                    inData = true
                                    data = []
                                    try await say("354 go ahead")
                                case "QUIT":
                                    try await say("221 bye")
                                    return
                                default: try await say("500 what")
                                }
                            }
                        }
                    }
                }
            }
            do {
                try await body(sink, port)
            } catch {
                try? await server.channel.close()
                group.cancelAll()
                throw error
            }
            try? await server.channel.close()
            group.cancelAll()
        }
    }
}

@Suite struct NotificationTests {
    @Test func applicantsAreToldByEmailFromTheOutbox() async throws {
        try await SMTPSink.run { sink, port in
            try await TestEnvironment.withPlatform { platform in
                let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
                let applicant = Applicant(fullName: "Đỗ Thị Thư", phone: "0912345678", email: "thu@example.vn")
                let dossier = try await platform.dossiers.create(
                    NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: applicant),
                    by: counter,
                    requestID: nil
                )
                let leader = try await platform.accounts.createStaff(
                    NewStaffAccount(
                        username: "ld.tp",
                        password: "Mat khau 2026",
                        fullName: "LĐ",
                        roles: [.leader],
                        agencyIdentifier: "000.00.04.H19"
                    ),
                    by: .system(),
                    requestID: nil
                ).principal
                _ = try await platform.dossiers.perform(.assign, on: dossier.code, input: ActionInput(assignee: "ld.tp"), by: leader, requestID: nil)
                _ = try await platform.dossiers.perform(
                    .requestSupplement,
                    on: dossier.code,
                    input: ActionInput(note: "Bản sao CCCD có chứng thực"),
                    by: leader,
                    requestID: nil
                )
                let client = SMTPClient(config: SMTPConfig(host: "127.0.0.1", port: port, from: "noreply@dongnai.gov.vn"))
                let worker = OutboxWorker(database: platform.database, topic: SMTPClient.topic, logger: TestEnvironment.logger) {
                    try await client.deliver($0)
                }
                #expect(try await worker.deliverDue() == 2)
                #expect(try await worker.deliverDue() == 0)  // nothing twice
                let mails = await sink.mails
                #expect(mails.count == 2)
                #expect(mails.allSatisfy { $0.to == ["RCPT TO:<thu@example.vn>"] && $0.from == "MAIL FROM:<noreply@dongnai.gov.vn>" })
                func text(_ mail: SMTPSink.Mail) -> String {
                    let parts = mail.data.components(separatedBy: "\n\n")
                    let body = parts.dropFirst().joined().replacingOccurrences(of: "\n", with: "")
                    return String(decoding: Data(base64Encoded: body) ?? Data(), as: UTF8.self)
                }
                #expect(text(mails[0]).contains("đã được tiếp nhận") && text(mails[0]).contains(dossier.code))
                #expect(text(mails[1]).contains("Bản sao CCCD có chứng thực"))
                #expect(mails[1].data.contains("Subject: =?UTF-8?B?"))
                // SMS go through the logging adapter.
                let logged = LogLines()
                let sms = LoggingSMSSender { logged.add($0) }
                let smsWorker = OutboxWorker(database: platform.database, topic: SMSMessage.topic, logger: TestEnvironment.logger) { message in
                    let m = try JSONDecoder().decode(SMSMessage.self, from: Data(message.payload.utf8))
                    try await sms.send(to: m.to, text: m.text)
                }
                #expect(try await smsWorker.deliverDue() == 2)
                // The number masked, the text (which may carry a one-time code) left out outside demo data.
                #expect(logged.lines.first?.hasPrefix("SMS to 091••••678 not sent") == true && logged.lines.allSatisfy { !$0.contains(dossier.code) })
                let demo = LogLines()
                try await LoggingSMSSender(showsText: true) { demo.add($0) }.send(to: "0912345678", text: "Mã xác nhận: 123456")
                #expect(demo.lines == ["SMS to 091••••678: Mã xác nhận: 123456"])
            }
        }
    }

    @Test func anUnreachableMailServerKeepsTheMessage() async throws {
        try await TestEnvironment.withPlatform { platform in
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            _ = try await platform.dossiers.create(
                NewDossier(
                    procedureCode: "2.000488",
                    agencyIdentifier: nil,
                    applicant: Applicant(fullName: "A", phone: "0912345678", email: "a@example.vn")
                ),
                by: counter,
                requestID: nil
            )
            let client = SMTPClient(config: SMTPConfig(host: "127.0.0.1", port: 1, from: "noreply@dongnai.gov.vn"))
            let worker = OutboxWorker(database: platform.database, topic: SMTPClient.topic, logger: TestEnvironment.logger) {
                try await client.deliver($0)
            }
            #expect(try await worker.deliverDue() == 0)
            let pending = try await Outbox.list(platform.database, topic: SMTPClient.topic, status: .pending, page: PageRequest())
            #expect(pending.items.count == 1 && pending.items[0].attempts == 1 && pending.items[0].lastError != nil)
        }
    }
}

/// Collects log lines.
final class LogLines: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
