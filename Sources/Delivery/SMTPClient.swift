import Core
import Foundation
import NIOCore
import NIOExtras
import NIOPosix

/// How to reach the mail server.
public struct SMTPConfig: Sendable {
    public var host: String
    public var port: Int
    /// The sender address, e.g. `noreply@dongnai.gov.vn`.
    public var from: String
    public var fromName: String
    /// AUTH PLAIN credentials, if the server requires them (use only on a trusted network or TLS relay).
    public var username: String?
    public var password: String?
    public var heloName: String

    public init(
        host: String,
        port: Int = 25,
        from: String,
        fromName: String = "Chính quyền số Đồng Nai",
        username: String? = nil,
        password: String? = nil,
        heloName: String = "cqs.local"
    ) {
        self.host = host
        self.port = port
        self.from = from
        self.fromName = fromName
        self.username = username
        self.password = password
        self.heloName = heloName
    }
}

/// An e-mail to send (plain text, UTF-8).
public struct EmailMessage: Codable, Sendable, Equatable {
    public let to: String
    public let subject: String
    public let body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// A minimal SMTP client (RFC 5321): EHLO, optional AUTH PLAIN, MAIL, RCPT, DATA, QUIT, with a
/// UTF-8 MIME body in base64 and an RFC 2047 subject.
public struct SMTPClient: Sendable {
    public static let topic = "email"
    let config: SMTPConfig

    public init(config: SMTPConfig) { self.config = config }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func deliver(_ message: OutboxMessage) async throws {
        try await send(try JSONDecoder().decode(EmailMessage.self, from: Data(message.payload.utf8)), messageID: message.dedupeKey)
    }

    public func send(_ email: EmailMessage, messageID: String = UUID().uuidString) async throws {
        guard !email.to.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ">" || $0 == "<" }), email.to.contains("@") else {
            throw Failure(description: "invalid recipient")
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: config.host, port: config.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let config = config
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply() async throws -> Int {
                while true {
                    guard let buffer = try await lines.next() else { throw Failure(description: "connection closed") }
                    let line = String(buffer: buffer).trimmingCharacters(in: .newlines)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw Failure(description: "bad reply \(line)") }
                    if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return code }
                }
            }
            func expect(_ codes: Set<Int>, after command: String?) async throws {
                if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
                let code = try await reply()
                guard codes.contains(code) else { throw Failure(description: "\(command?.prefix(4) ?? "greeting") answered \(code)") }
            }
            try await expect([220], after: nil)
            try await expect([250], after: "EHLO \(config.heloName)")
            if let user = config.username, let password = config.password {
                let token = Data("\u{0}\(user)\u{0}\(password)".utf8).base64EncodedString()
                try await expect([235], after: "AUTH PLAIN \(token)")
            }
            try await expect([250], after: "MAIL FROM:<\(config.from)>")
            try await expect([250, 251], after: "RCPT TO:<\(email.to)>")
            try await expect([354], after: "DATA")
            try await outbound.write(ByteBuffer(string: Self.render(email, config: config, messageID: messageID)))
            try await expect([250], after: ".")
            try await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    /// The message text, dot-stuffing not needed since the body is base64.
    static func render(_ email: EmailMessage, config: SMTPConfig, messageID: String) -> String {
        func encoded(_ text: String) -> String { "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?=" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let body = Data(email.body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let id = messageID.filter { $0.isLetter || $0.isNumber || "-.#".contains($0) }
        return [
            "From: \(encoded(config.fromName)) <\(config.from)>",
            "To: <\(email.to)>",
            "Subject: \(encoded(email.subject))",
            "Date: \(formatter.string(from: Date()))",
            "Message-ID: <\(id.replacingOccurrences(of: "#", with: "."))@\(config.heloName)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            body,
            "",
        ].joined(separator: "\r\n")
    }
}

/// Text messages: an interface for a carrier's gateway, and a logging implementation for
/// provinces without one yet.
public protocol SMSSender: Sendable {
    func send(to phone: String, text: String) async throws
}

/// Writes SMS to the log instead of sending them.
public struct LoggingSMSSender: SMSSender {
    let log: @Sendable (String) -> Void
    /// Whether the text itself is logged (demo data only: it may carry a one-time code).
    let showsText: Bool

    public init(showsText: Bool = false, log: @escaping @Sendable (String) -> Void) {
        self.showsText = showsText
        self.log = log
    }

    public func send(to phone: String, text: String) async throws {
        let masked = String(phone.prefix(3)) + String(repeating: "•", count: max(0, phone.count - 6)) + String(phone.suffix(3))
        log(showsText ? "SMS to \(masked): \(text)" : "SMS to \(masked) not sent (no carrier configured): \(text.count) characters")
    }
}

/// An SMS waiting in the outbox; its text is kept to one GSM 7-bit segment (`SMSText.plain`).
public struct SMSMessage: Codable, Sendable, Equatable {
    public static let topic = "sms"
    public let to: String
    public let text: String

    public init(to: String, text: String) {
        self.to = to
        self.text = SMSText.plain(text)
    }
}
