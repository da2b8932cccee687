import Core
import Directory
import DocumentExchange
import Documents
import Dossiers
import Foundation
import Identity
import Procedures

/// A reproducible pseudo-random sequence (SplitMix64): the same seed gives the same data set.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

/// `cqs seed --scale province|country`: a realistic, reproducible data set at the sizes the
/// plan reports (province: ~250 agencies, 2,500 procedures, 12,000 staff, 1,000,000 dossiers over
/// five years, 100,000 official documents with exchange history; country: 30 times as many),
/// written through each context's bulk API, with progress and rate.
public struct ScaleSeed: Sendable {
    public enum Scale: String, Sendable, CaseIterable {
        case tiny, province, country
        var multiplier: Int { self == .country ? 30 : 1 }
    }

    public struct Sizes: Sendable {
        public var agencies: Int, procedures: Int, staff: Int, dossiers: Int, documents: Int
        public static func of(_ scale: Scale) -> Sizes {
            if scale == .tiny { return Sizes(agencies: 130, procedures: 200, staff: 300, dossiers: 20_000, documents: 2_000) }
            let m = scale.multiplier
            return Sizes(agencies: 250 * m, procedures: 2_500 * m, staff: 12_000 * m, dossiers: 1_000_000 * m, documents: 100_000 * m)
        }
    }

    let platform: Platform
    let sizes: Sizes
    let seed: UInt64
    let report: @Sendable (String) -> Void

    public init(platform: Platform, scale: Scale, seed: UInt64 = 2026, report: @escaping @Sendable (String) -> Void) {
        self.platform = platform
        self.sizes = .of(scale)
        self.seed = seed
        self.report = report
    }

    static let familyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    static let middleNames = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Quốc", "Thu", "Đức", "Kim"]
    static let givenNames = [
        "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga",
        "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Vy", "Yến",
    ]
    static let unitKinds = [("Chi cục", "CC"), ("Trung tâm", "TT"), ("Ban quản lý", "BQL"), ("Quỹ", "Q"), ("Văn phòng đăng ký", "VPDK")]
    static let topics = [
        "chuyển đổi số", "cải cách hành chính", "quy hoạch xây dựng", "quản lý đất đai", "phòng chống thiên tai", "an toàn thực phẩm",
        "giải ngân vốn đầu tư công", "bảo vệ môi trường", "phát triển du lịch", "an sinh xã hội", "giáo dục nghề nghiệp", "y tế cơ sở",
    ]

    func name(_ random: inout SeededRandom) -> String {
        "\(random.pick(Self.familyNames)) \(random.pick(Self.middleNames)) \(random.pick(Self.givenNames))"
    }

    /// Runs every phase; refuses a database that already holds a scale data set.
    public func run() async throws {
        guard try await platform.dossiers.count() < 100_000 else {
            throw DomainError.conflict(messageVi: "CSDL đã có dữ liệu quy mô lớn", messageEn: "The database already holds a scale data set")
        }
        var random = SeededRandom(state: seed)
        let agencies = try await seedAgencies(&random)
        let procedures = try await seedProcedures(&random)
        try await seedStaff(agencies, &random)
        try await seedDossiers(procedures, agencies: agencies, &random)
        try await seedDocuments(agencies, &random)
    }

    func timed(_ phase: String, total: Int, _ body: (_ progress: (Int) -> Void) async throws -> Void) async throws {
        let start = Date()
        var lastReport = Date.distantPast
        try await body { done in
            guard Date().timeIntervalSince(lastReport) > 2 || done == total else { return }
            lastReport = Date()
            let seconds = max(0.001, Date().timeIntervalSince(start))
            report("\(phase): \(done)/\(total) (\(Int(Double(done) / seconds))/s)")
        }
        report("\(phase): \(total) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    // MARK: Phases

    func seedAgencies(_ random: inout SeededRandom) async throws -> [Agency] {
        var existing = try await platform.directory.all()
        let departments = existing.filter { $0.kind == .department }
        var inputs: [AgencyInput] = []
        var index = 0
        while existing.count + inputs.count < sizes.agencies, !departments.isEmpty {
            let parent = departments[index % departments.count]
            let round = index / departments.count
            let (kind, short) = Self.unitKinds[round % Self.unitKinds.count]
            let segments = parent.identifier.split(separator: ".")
            let province = round < 40 ? String(segments[3]) : String(format: "H%02d", 20 + round / 40)
            inputs.append(
                AgencyInput(
                    identifier: "000.\(segments[2]).\(60 + round % 40).\(province)",
                    name: "\(kind) \(round + 1) thuộc \(parent.name)",
                    shortName: String("\(short)\(round + 1)\(parent.shortName)".prefix(20)),
                    parentIdentifier: parent.identifier,
                    kind: "other"
                )
            )
            index += 1
        }
        try await timed("agencies", total: inputs.count) { progress in
            for start in stride(from: 0, to: inputs.count, by: 1000) {
                _ = try await platform.directory.importAgencies(
                    Array(inputs[start..<min(inputs.count, start + 1000)]),
                    by: .system("seed"),
                    requestID: nil
                )
                progress(min(inputs.count, start + 1000))
            }
        }
        existing = try await platform.directory.all()
        return existing
    }

    func seedProcedures(_ random: inout SeededRandom) async throws -> [Procedure] {
        let demo = try ProcedureCSV.demoCatalogue()
        let have = try await platform.procedures.count()
        let variants = ["cấp mới", "cấp lại", "cấp đổi", "điều chỉnh", "gia hạn", "thu hồi", "xác nhận", "đăng ký thay đổi"]
        var generated: [Procedure] = []
        for index in 0..<max(0, sizes.procedures - have) {
            var procedure = demo[index % demo.count]
            procedure.code = String(format: "9.%06d", index + 1)
            procedure.name = "\(procedure.name) (\(variants[(index / demo.count) % variants.count]), mẫu \(index / demo.count + 1))"
            generated.append(procedure)
        }
        try await timed("procedures", total: generated.count) { progress in
            for start in stride(from: 0, to: generated.count, by: 500) {
                _ = try await platform.procedures.importProcedures(
                    Array(generated[start..<min(generated.count, start + 500)]),
                    by: .system("seed"),
                    requestID: nil
                )
                progress(min(generated.count, start + 500))
            }
        }
        return demo + generated
    }

    func seedStaff(_ agencies: [Agency], _ random: inout SeededRandom) async throws {
        let roles: [Role] = [.processingOfficer, .processingOfficer, .processingOfficer, .counterOfficer, .clerk, .leader]
        var accounts: [AccountStore.SeedStaff] = []
        for index in 0..<sizes.staff {
            let agency = agencies[index % agencies.count]
            accounts.append(
                .init(
                    username: "cb\(index + 1).\(agency.identifier.replacingOccurrences(of: ".", with: ""))".lowercased(),
                    fullName: name(&random),
                    agency: agency.identifier,
                    department: nil,
                    role: roles[index % roles.count]
                )
            )
        }
        try await timed("staff", total: accounts.count) { progress in
            for start in stride(from: 0, to: accounts.count, by: 4000) {
                try await platform.accounts.bulkCreateStaff(
                    Array(accounts[start..<min(accounts.count, start + 4000)]),
                    password: DemoData.password,
                    by: .system("seed")
                )
                progress(min(accounts.count, start + 4000))
            }
        }
    }

    func seedDossiers(_ procedures: [Procedure], agencies: [Agency], _ random: inout SeededRandom) async throws {
        let communes = agencies.filter { $0.kind == .peopleCommittee && $0.parentIdentifier != nil }.map(\.identifier)
        let calendar = try await platform.calendar.workingCalendar()
        let today = VietnamTime.today(platform.clock.now())
        var days: [LocalDate] = []
        var day = today.adding(days: -5 * 365)
        while day < today {
            if calendar.isWorkingDay(day) { days.append(day) }
            day = day.adding(days: 1)
        }
        let perDay = Double(sizes.dossiers) / Double(days.count)
        var sequences: [String: Int] = [:]
        var batch: [DossierStore.SeedDossier] = []
        var made = 0
        let now = platform.clock.millis()
        let centre = try await platform.directory.provincialServiceCenter()
        try await timed("dossiers", total: sizes.dossiers) { progress in
            for (dayIndex, date) in days.enumerated() {
                let target = Int((Double(dayIndex + 1) * perDay).rounded()) - made
                let opening = VietnamTime.instant(LocalDateTime(date: date, time: LocalTime(hour: 7, minute: 30))).epochMillis
                let times = (0..<max(0, target)).map { _ in opening + Int64.random(in: 0..<(9 * GeneratedLife.hour), using: &random) }.sorted()
                let yymmdd = String(format: "%02d%02d%02d", date.year % 100, date.month, date.day)
                for created in times {
                    let procedure = random.pick(procedures)
                    let agency = procedure.agencyIdentifier ?? random.pick(communes)
                    // The province's procedures are received at its public administrative service centre.
                    let receiving = procedure.agencyIdentifier != nil ? centre ?? agency : agency
                    let key = "\(receiving)|\(date.iso)"
                    let number = (sequences[key] ?? 0) + 1
                    sequences[key] = number
                    let online = procedure.onlineLevel.acceptsOnlineSubmission && random.chance(0.55)
                    let channel = online ? 2 : (random.chance(0.05) ? 3 : 1)
                    let life = GeneratedLife.live(procedure, implementing: agency, online: online, created: created, now: now, &random)
                    let steps = procedure.steps.isEmpty ? [agency] : procedure.steps.map { $0.agencyIdentifier ?? agency }
                    let person = name(&random)
                    var dossier = DossierStore.SeedDossier(
                        code: "\(receiving)-\(yymmdd)-\(String(format: "%04d", number))",
                        procedureCode: procedure.code,
                        procedureName: procedure.name,
                        fieldCode: procedure.fieldCode,
                        fieldName: procedure.fieldName,
                        onlineLevel: procedure.onlineLevel.rawValue,
                        agency: agency,
                        channel: channel,
                        status: life.status,
                        applicantName: person,
                        applicantPhone: "09\(String(format: "%08d", Int.random(in: 0..<100_000_000, using: &random)))",
                        subject: String(procedure.name.prefix(200)),
                        createdAt: created,
                        receivedAt: life.receivedAt,
                        dueAt: life.dueAt,
                        endAt: life.endAt,
                        returnedAt: life.returnedAt,
                        supplementCount: life.supplements
                    )
                    dossier.receivingAgency = receiving
                    dossier.currentAgency = steps[min(life.step, steps.count - 1)]
                    dossier.currentStep = life.step
                    dossier.stepCount = max(1, procedure.steps.count)
                    dossier.extensionCount = life.extensions
                    dossier.events = life.events
                    dossier.parts = life.parts
                    batch.append(dossier)
                    made += 1
                    if batch.count == 10_000 {
                        try await platform.dossiers.bulkInsert(batch)
                        batch.removeAll(keepingCapacity: true)
                        progress(made)
                    }
                }
            }
            if !batch.isEmpty { try await platform.dossiers.bulkInsert(batch) }
            try await platform.dossiers.advanceSequences(sequences, by: .system("seed"))
            progress(made)
        }
    }

    func seedDocuments(_ agencies: [Agency], _ random: inout SeededRandom) async throws {
        let senders = agencies.filter { $0.kind != .other }
        let types = ["CV", "CV", "CV", "QD", "KH", "BC", "TB", "GM", "TTr"].compactMap(DocumentType.find)
        let pairs = sizes.documents / 2
        let today = VietnamTime.today(platform.clock.now())
        let start = VietnamTime.instant(LocalDateTime(date: today.adding(days: -5 * 365), time: LocalTime(hour: 8))).epochMillis
        let span = VietnamTime.instant(LocalDateTime(date: today, time: LocalTime(hour: 8))).epochMillis - start
        let times = (0..<pairs).map { _ in start + Int64.random(in: 0..<span, using: &random) }.sorted()
        var numbers: [String: Int] = [:]
        let dayMs: Int64 = 86_400_000
        try await timed("documents", total: pairs * 2) { progress in
            for batchStart in stride(from: 0, to: pairs, by: 5000) {
                var exchanges: [ExchangeStore.SeedExchange] = []
                var documents: [DocumentStore.SeedDocument] = []
                for index in batchStart..<min(pairs, batchStart + 5000) {
                    let at = times[index]
                    let date = VietnamTime.local(Date(epochMillis: at)).date
                    let sender = random.pick(senders)
                    var recipient = random.pick(senders)
                    if recipient.identifier == sender.identifier { recipient = senders[(senders.firstIndex(of: sender)! + 1) % senders.count] }
                    let type = random.pick(types)
                    let outKey = "\(sender.identifier)|out|\(date.year)"
                    let outNumber = (numbers[outKey] ?? 0) + 1
                    numbers[outKey] = outNumber
                    let inKey = "\(recipient.identifier)|in|\(date.year)"
                    let inNumber = (numbers[inKey] ?? 0) + 1
                    numbers[inKey] = inNumber
                    let codeNumber = DocumentRules.formatNumber(outNumber)
                    let notation = DocumentRules.notation(type: type, issuer: sender.shortName, draftingUnit: type.isLetter ? "VP" : nil)
                    let documentID = EdXML.documentId(organId: sender.identifier, date: date, number: codeNumber, notation: notation)
                    let subject = "V/v \(random.pick(Self.topics)) năm \(date.year)"
                    let finished = at + Int64.random(in: dayMs...(14 * dayMs), using: &random)
                    let done = finished < platform.clock.millis()
                    exchanges.append(
                        .init(
                            documentId: documentID,
                            sender: sender.identifier,
                            senderName: sender.name,
                            recipient: recipient.identifier,
                            recipientName: recipient.name,
                            subject: subject,
                            code: "\(codeNumber)/\(notation)",
                            finalStatus: done ? "06" : "04",
                            sentAt: at
                        )
                    )
                    documents.append(
                        .init(
                            agency: sender.identifier,
                            direction: .outgoing,
                            status: .issued,
                            registerNumber: outNumber,
                            year: date.year,
                            codeNumber: codeNumber,
                            codeNotation: notation,
                            typeCode: type.code,
                            subject: subject,
                            counterpart: recipient.identifier,
                            counterpartName: recipient.name,
                            date: date,
                            at: at,
                            exchangeDocumentId: documentID,
                            signer: "seed"
                        )
                    )
                    documents.append(
                        .init(
                            agency: recipient.identifier,
                            direction: .incoming,
                            status: done ? .finished : .assigned,
                            registerNumber: inNumber,
                            year: date.year,
                            codeNumber: codeNumber,
                            codeNotation: notation,
                            typeCode: type.code,
                            subject: subject,
                            counterpart: sender.identifier,
                            counterpartName: sender.name,
                            date: date,
                            at: at + 3_600_000,
                            exchangeDocumentId: documentID,
                            deadline: date.adding(days: 10),
                            finishedAt: done ? finished : nil
                        )
                    )
                }
                let received = try await platform.exchange.bulkSeed(exchanges)
                for index in documents.indices where documents[index].direction == .incoming {
                    documents[index].exchangeMessageId = received[documents[index].exchangeDocumentId]
                }
                try await platform.documents.bulkInsert(documents)
                progress(min(pairs, batchStart + 5000) * 2)
            }
            try await platform.documents.advanceSequences(numbers, by: .system("seed"))
        }
    }
}
