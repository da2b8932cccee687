// Benchmark (run by hand): a 100 MB attachment through the edXML codec, to disk and back.
// `swift run -c release edxml-large-benchmark [MB]` prints wall time and the process's peak
// memory after each phase; results go to BENCHMARKS.md.
import Core
import DocumentExchange
import Foundation

func peakMegabytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024  // Linux reports KiB
}

func measure<T>(_ name: String, _ work: () throws -> T) rethrows -> T {
    let start = Date()
    let result = try work()
    print(
        name.padding(toLength: 36, withPad: " ", startingAt: 0)
            + String(format: "%7.2f s   peak RSS %5d MB", Date().timeIntervalSince(start), peakMegabytes())
    )
    return result
}

let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-edxml-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let source = folder.appendingPathComponent("big.pdf")
print("edXML codec, one \(megabytes) MB attachment; peak RSS at start \(peakMegabytes()) MB")
try measure("write source file (1 MB chunks)") {
    FileManager.default.createFile(atPath: source.path, contents: nil)
    let handle = try FileHandle(forWritingTo: source)
    var block = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255) })
    for index in 0..<megabytes {
        block.replaceSubrange(0..<8, with: withUnsafeBytes(of: index) { Data($0) })
        try handle.write(contentsOf: block)
    }
    try handle.close()
}
let today = VietnamTime.today()
let document = EdXMLDocument(
    from: EdXMLOrganization(organId: "000.00.01.H19", organName: "Văn phòng UBND tỉnh Đồng Nai"),
    to: [EdXMLOrganization(organId: "000.00.00.G22", organName: "Văn phòng Chính phủ")],
    codeNumber: "15",
    codeNotation: "VP-TH",
    place: "Đồng Nai",
    promulgationDate: today,
    type: 2,
    typeDetail: 0,
    typeName: "Công văn",
    subject: "V/v gửi hồ sơ quy hoạch (tệp lớn)",
    content: "",
    signerCompetence: "",
    signerPosition: "",
    signerFullName: "",
    toPlaces: [],
    priority: 0,
    sphereOfPromulgation: "",
    typerNotation: "",
    direction: false,
    appendixes: [],
    responseFor: [],
    steeringType: 0,
    traces: [EdXMLTrace(organId: "000.00.01.H19", timestamp: EdXML.timestamp(Date()))],
    business: EdXMLBusiness(docType: 0, reason: "Văn bản mới", paper: 0, department: "", staff: "", email: "", mobile: "", documentId: nil),
    attachments: [EdXMLAttachment(contentId: "cid:1", contentType: "application/pdf", name: "quy-hoach.pdf", source: .file(source))]
)
let package = folder.appendingPathComponent("package.edxml")
try measure("digest for the XML signature") { _ = try EdXMLEncoder.digest(document, today: today) }
try measure("encode package to file") { try EdXMLEncoder.encode(document, today: today, to: package) }
let size = (try FileManager.default.attributesOfItem(atPath: package.path)[.size] as? Int) ?? 0
print("package: \(size / (1 << 20)) MB")
let decoded = try measure("decode package from file (stream)") {
    try EdXMLDecoder(attachmentsFolder: folder.appendingPathComponent("out")).decodeDocument(from: InputStream(url: package)!, today: today)
}
guard case .file(let out) = decoded.attachments.first?.source,
    try Digest.sha256Hex(fileAt: out) == Digest.sha256Hex(fileAt: source)
else { fatalError("attachment changed in the round trip") }
print("attachment round-trips byte-exact")
