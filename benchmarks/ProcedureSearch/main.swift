// Benchmark (run by hand): the in-memory procedure search at province and country size.
// `swift run -c release procedure-search-benchmark [sizes…]` builds the catalogue the way
// `cqs seed` does (the demo procedures repeated with variant names), then times the ranking of
// each query on one thread with the recent-results memory off: the 15 queries of
// `benchmarks/run.py` and two-word queries drawn from its 60 words. Results go to BENCHMARKS.md.
import Core
import Foundation
import Procedures

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let demo = try ProcedureCSV.demoCatalogue()
let variants = ["cấp mới", "cấp lại", "cấp đổi", "điều chỉnh", "gia hạn", "thu hồi", "xác nhận", "đăng ký thay đổi"]
let common = [
    "dang ky ho kinh doanh", "cap giay phep xay dung", "chung thuc", "dat dai", "khai sinh", "ket hon", "bien dong", "giay phep lai xe",
    "thanh lap doanh nghiep", "ho tich", "cu tru", "moi truong", "phong chay", "dau tu", "lao dong",
]
let words = Array(
    Set(
        common.flatMap { $0.split(separator: " ").map(String.init) } + [
            "cap", "doi", "gia", "han", "xac", "nhan", "thu", "tuc", "so", "xe",
            "nha", "o", "van", "ban", "quyen", "su", "dung", "chuyen", "nhuong", "the", "chap", "hop", "dong", "tai", "san", "con", "nuoi", "giam",
            "ho",
            "ten", "tam", "tru", "vang",
        ]
    ).sorted().prefix(60)
)

/// The catalogue `cqs seed` generates: the demo procedures, then copies with variant names.
func catalogue(_ size: Int) -> [Procedure] {
    var generated = demo
    for index in 0..<max(0, size - demo.count) {
        var procedure = demo[index % demo.count]
        procedure.code = String(format: "9.%06d", index + 1)
        procedure.name = "\(procedure.name) (\(variants[(index / demo.count) % variants.count]), mẫu \(index / demo.count + 1))"
        generated.append(procedure)
    }
    return generated
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

func report(_ label: String, _ index: ProcedureIndex, _ queries: [String]) {
    var times: [Double] = []
    var matched = 0
    for query in queries {
        let start = DispatchTime.now().uptimeNanoseconds
        let found = index.search(ProcedureCatalog.Query(text: query), offset: 0, limit: PageRequest.defaultLimit)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        matched += found.total
    }
    times.sort()
    let mean = times.reduce(0, +) / Double(times.count)
    print(
        label.padding(toLength: 40, withPad: " ", startingAt: 0)
            + String(
                format: "mean %7.3f ms  p50 %7.3f  p99 %7.3f  max %7.3f  (%6.0f queries/s on one core; %.0f matches on average)",
                mean,
                percentile(times, 0.5),
                percentile(times, 0.99),
                times.last!,
                1000 / mean,
                Double(matched) / Double(queries.count)
            )
    )
}

var random = SystemRandomNumberGenerator()
for size in sizes.isEmpty ? [2_500, 75_000] : sizes {
    // Folded once at import in production (stored in `name_folded`, `search_text`); not timed.
    let rows = catalogue(size).map { (procedure: $0, name: TextFolding.fold($0.name), text: ProcedureIndex.searchText($0)) }
    let built = Date()
    let index = ProcedureIndex(rows.map { ProcedureIndex.entry($0.procedure, foldedName: $0.name, searchText: $0.text) }, remembering: false)
    print("\(size) procedures, index built from stored folded text in \(String(format: "%.2f", Date().timeIntervalSince(built))) s")
    report("  15 common queries ×20", index, Array(repeating: common, count: 20).flatMap { $0 })
    report(
        "  random two-word queries ×600",
        index,
        (0..<600).map { _ in "\(words.randomElement(using: &random)!) \(words.randomElement(using: &random)!)" }
    )
    report("  random one-word queries ×300", index, (0..<300).map { _ in words.randomElement(using: &random)! })
}
