import Audit
import Core
import Foundation
import HummingbirdTesting
import Server
import Synchronization
import Testing

@testable import Procedures

@Suite struct ProcedureTests {
    @Test func theDemoCatalogueIsValidAndSeeded() async throws {
        let demo = try ProcedureCSV.demoCatalogue()
        #expect(demo.count >= 40)
        for procedure in demo { #expect(ProcedureRules.validate(procedure).isEmpty, "\(procedure.code)") }
        #expect(demo.contains { $0.isInterAgency })
        #expect(Set(demo.map(\.fieldCode)).count >= 10)
        try await TestEnvironment.withPlatform { platform in
            #expect(try await platform.procedures.count() == demo.count)
            let household = try #require(try await platform.procedures.procedure("1.001612"))
            #expect(household.name == "Đăng ký thành lập hộ kinh doanh")
        }
    }

    @Test func searchIgnoresDiacriticsAndRanksByName() async throws {
        try await TestEnvironment.withPlatform { platform in
            let page = try await platform.procedures.search(.init(text: "dang ky ho kinh doanh"), page: PageRequest())
            #expect(page.items.first?.code == "1.001612")
            #expect(page.items.allSatisfy { TextFolding.fold($0.name + " " + $0.fieldName).contains("kinh doanh") })
            let exact = try await platform.procedures.search(.init(text: "ĐĂNG KÝ KHAI SINH"), page: PageRequest())
            #expect(exact.items.first?.name == "Đăng ký khai sinh")
            let byCode = try await platform.procedures.search(.init(text: "1.009994"), page: PageRequest())
            #expect(byCode.items.first?.code == "1.009994")
            let filtered = try await platform.procedures.search(.init(fieldCode: "HT", onlineLevel: .full), page: PageRequest())
            #expect(!filtered.items.isEmpty && filtered.items.allSatisfy { $0.fieldCode == "HT" && $0.onlineLevel == .full })
            let atAgency = try await platform.procedures.search(.init(agencyIdentifier: "000.00.11.H19"), page: PageRequest())
            #expect(atAgency.items.allSatisfy { $0.agencyIdentifier == "000.00.11.H19" || $0.agencyIdentifier == nil })
            let none = try await platform.procedures.search(.init(text: "xyzzy"), page: PageRequest())
            #expect(none.items.isEmpty)
            let first = try await platform.procedures.search(.init(), page: PageRequest(limit: 20))
            let second = try await platform.procedures.search(.init(), page: PageRequest(limit: 20, cursor: first.nextCursor))
            #expect(Set(first.items.map(\.code)).isDisjoint(with: second.items.map(\.code)) && second.items.count == 20)
        }
    }

    @Test func csvAndJSONRoundTripAndImportsAreAllOrNothing() async throws {
        try await TestEnvironment.withPlatform { platform in
            let all = try await platform.procedures.all()
            let back = try ProcedureCSV.read(try ProcedureCSV.write(all))
            #expect(back == all)
            let unchanged = try await platform.procedures.importProcedures(back, by: .system(), requestID: nil)
            #expect(unchanged.unchanged == all.count && unchanged.created == 0)
            var changed = all[0]
            changed.processingDays += 1
            var fresh = all[1]
            fresh.code = "1.999001"
            var broken = all[2]
            broken.code = "not-a-code"
            broken.steps = []
            let before = try await rowCount("audit_log", platform.database)
            await expectRefusal(.invalid("procedures[2].code", "procedures[2].steps")) {
                try await platform.procedures.importProcedures([changed, fresh, broken], by: .system(), requestID: nil)
            }
            var ghost = all[3]
            ghost.agencyIdentifier = "000.00.77.H19"
            await expectRefusal(.invalid("agencyIdentifier")) {
                try await platform.procedures.importProcedures([ghost], by: .system(), requestID: nil)
            }
            #expect(try await rowCount("audit_log", platform.database) == before)
            let progress = ProgressLog()
            let result = try await platform.procedures.importProcedures([changed, fresh], by: .system("importer"), requestID: nil) { done, total in
                progress.add(done, total)
            }
            #expect(result.created == 1 && result.updated == 1)
            #expect(progress.last == [2, 2])
            #expect(try await platform.procedures.procedure(changed.code)?.processingDays == changed.processingDays)
            #expect(try await AuditLog.list(platform.database, page: PageRequest(), action: "procedure.update").items.first?.actor == "importer")
        }
    }

    @Test func rulesRejectBadEntries() throws {
        var p = try ProcedureCSV.demoCatalogue()[0]
        p.steps.append(WorkflowStep(name: "Extra", role: .leader, days: 100))
        p.cutoffTime = "25:99"
        p.agencyIdentifier = nil
        p.agencyLevel = "district"
        let fields = Set(ProcedureRules.validate(p).map(\.field))
        #expect(fields == ["steps", "cutoffTime", "agencyLevel"])
        #expect(ProcedureRules.isValidCode("1.001612") && ProcedureRules.isValidCode("2.000488.000.00.00.H19"))
        #expect(!ProcedureRules.isValidCode("1.0016") && !ProcedureRules.isValidCode("x.001612") && !ProcedureRules.isValidCode("1.001612;"))
    }

    @Test func catalogueOverHTTP() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let search = try await client.json("/api/v1/procedures?q=cap%20giay%20phep%20xay%20dung&level=partial")
            #expect(search.status == .ok)
            let items = search.object?["items"] as? [[String: Any]] ?? []
            #expect(items.first?["code"] as? String == "1.009994")
            // The page written from cached JSON texts is the page the encoder writes, cursor included.
            let paged = try await client.json("/api/v1/procedures?q=dang%20ky&limit=2")
            let cursor = try #require(paged.object?["nextCursor"] as? String)
            let encoded = try JSONEncoder().encode(
                try await platform.procedures.search(.init(text: "dang ky"), page: PageRequest(limit: 2, cursor: nil))
            )
            #expect(
                NSDictionary(dictionary: paged.object ?? [:]).isEqual(to: try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:])
            )
            let second = try await client.json("/api/v1/procedures?q=dang%20ky&limit=2&cursor=\(cursor)")
            #expect(
                (second.object?["items"] as? [[String: Any]])?.count == 2 && second.object?["items"] as? NSArray != paged.object?["items"] as? NSArray
            )
            let badLevel = try await client.json("/api/v1/procedures?level=4")
            #expect(badLevel.status == .unprocessableContent)
            let one = try await client.json("/api/v1/procedures/1.001193")
            #expect(one.object?["name"] as? String == "Đăng ký khai sinh")
            #expect(try await client.json("/api/v1/procedures/9.999999").status == .notFound)
            let fields = try await client.json("/api/v1/procedure-fields")
            #expect((fields.array?.count ?? 0) >= 10)
            let csv = try await client.json("/api/v1/procedures/export?format=csv")
            let token = try await client.token("admin")
            let reimport = try await client.json("/api/v1/procedures/import", method: .post, token: token, body: csv.text, contentType: "text/csv")
            #expect(reimport.status == .ok)
            #expect(reimport.object?["created"] as? Int == 0)
            let officer = try await client.token("chuyenvien.sxd")
            #expect(try await client.json("/api/v1/procedures/import", method: .post, token: officer, body: "[]").status == .forbidden)
            var page = PageSession(client: client)
            let html = try await page.get("/procedures?q=khai%20sinh")
            #expect(html.status == .ok && html.text.contains("Đăng ký khai sinh"))
            let detail = try await page.get("/procedures/1.009994")
            #expect(
                detail.text.contains("Sở Xây dựng") && detail.text.contains("75.000 ₫") && detail.text.contains("/dossiers/new?procedure=1.009994")
            )
        }
    }
}

/// Collects progress callbacks.
final class ProgressLog: Sendable {
    private let calls = Mutex<[[Int]]>([])
    func add(_ done: Int, _ total: Int) { calls.withLock { $0.append([done, total]) } }
    var last: [Int]? { calls.withLock { $0.last } }
}

/// The in-memory search index on its own (no database).
@Suite struct ProcedureIndexTests {
    static func entry(_ code: String, _ name: String, _ text: String, field: String, agency: String?, level: OnlineLevel) -> ProcedureIndex.Entry {
        .init(
            summary: ProcedureSummary(
                code: code,
                name: name,
                fieldCode: field,
                fieldName: field,
                agencyIdentifier: agency,
                agencyLevel: nil,
                processingDays: 5,
                onlineLevel: level
            ),
            foldedName: nil,
            searchText: text
        )
    }

    static let index = ProcedureIndex([
        entry("1.001", "Đăng ký khai sinh", "dang ky khai sinh ho tich 1.001 giay khai sinh", field: "HT", agency: nil, level: .full),
        entry(
            "1.002",
            "Đăng ký khai sinh có yếu tố nước ngoài",
            "dang ky khai sinh co yeu to nuoc ngoai ho tich 1.002",
            field: "HT",
            agency: "000.00.10.H19",
            level: .partial
        ),
        entry("2.001", "Cấp giấy phép xây dựng", "cap giay phep xay dung xay dung 2.001", field: "XD", agency: "000.00.05.H19", level: .full),
    ])

    static func codes(_ query: ProcedureCatalog.Query) -> [String] { index.search(query).entries.map(\.summary.code) }

    @Test func everyWordMustOccurAccentsOptionalBestFirst() {
        #expect(Self.codes(.init(text: "Đăng ký khai sinh")) == ["1.001", "1.002"])
        #expect(Self.codes(.init(text: "khai sinh nuoc ngoai")) == ["1.002"])
        #expect(Self.codes(.init(text: "khai xay")).isEmpty)
        // Anywhere in the text, as LIKE '%word%' matched: part of a word counts.
        #expect(Self.codes(.init(text: "phe")) == ["2.001"])
        #expect(Self.codes(.init(text: "2.001")) == ["2.001"])
    }

    @Test func filtersByFieldAgencyAndLevel() {
        #expect(Self.codes(.init(fieldCode: "HT")) == ["1.001", "1.002"])
        // An agency sees its own procedures and those any commune handles (no fixed agency).
        #expect(Self.codes(.init(agencyIdentifier: "000.00.05.H19")) == ["2.001", "1.001"])
        #expect(Self.codes(.init(onlineLevel: .partial)) == ["1.002"])
    }
}

@Suite struct BigramMaskTests {
    /// The filter may let a non-match through but never rules out a match.
    @Test func neverRulesOutAContainedWord() {
        let texts = ["dang ky khai sinh ho tich", "cap giay phep xay dung 2.001", "thu tuc hanh chinh cap xa", "a", ""]
        for text in texts {
            let bytes = Array(text.utf8)
            let mask = BigramMask(bytes)
            for start in bytes.indices {
                for end in (start + 1)...bytes.count {
                    #expect(mask.covers(BigramMask(Array(bytes[start..<end]))))
                }
            }
        }
        #expect(!BigramMask(Array("dang ky".utf8)).covers(BigramMask(Array("xay".utf8))))
    }
}

extension ProcedureIndexTests {
    /// A repeated query is answered from the index's recent results, identically.
    @Test func repeatedQueriesGiveTheSameRanking() {
        let index = ProcedureIndex([
            Self.entry("1.001", "Đăng ký khai sinh", "dang ky khai sinh", field: "HT", agency: nil, level: .full),
            Self.entry("1.002", "Khai sinh lại", "khai sinh lai", field: "HT", agency: nil, level: .full),
        ])
        let first = index.search(.init(text: "khai sinh")).entries.map(\.summary.code)
        #expect(first == ["1.002", "1.001"])
        #expect(index.search(.init(text: "Khai Sinh")).entries.map(\.summary.code) == first)
        #expect(index.search(.init(text: "khai sinh", fieldCode: "XD")).entries.isEmpty)
        // Pages beyond the kept first results are ranked again, with the same answer.
        let many = ProcedureIndex(
            (0..<(RecentResults.kept + 30)).map {
                Self.entry(String(format: "9.%04d", $0), "Thủ tục \($0)", "thu tuc \($0)", field: "X", agency: nil, level: .full)
            }
        )
        let whole = many.search(.init(text: "thu tuc")).entries.map(\.summary.code)
        let late = many.search(.init(text: "thu tuc"), offset: RecentResults.kept + 10, limit: 10)
        #expect(
            late.total == RecentResults.kept + 30
                && late.entries.map(\.summary.code) == Array(whole[(RecentResults.kept + 10)..<(RecentResults.kept + 20)])
        )
        #expect(many.search(.init(text: "thu tuc"), offset: 5, limit: 3).entries.map(\.summary.code) == Array(whole[5..<8]))
    }
}

/// The country-size machinery of the index: candidates from three-byte sequences, the kept best
/// keys, and an aged-out index kept while the table is unchanged.
@Suite struct ProcedureIndexScaleTests {
    /// A catalogue of the demo procedures with variant names, as `cqs seed` makes.
    static let catalogue: [Procedure] = {
        let demo = (try? ProcedureCSV.demoCatalogue()) ?? []
        return demo
            + (0..<600).map { index in
                var procedure = demo[index % demo.count]
                procedure.code = String(format: "9.%06d", index + 1)
                procedure.name += [" (cấp lại, mẫu \(index))", " (gia hạn)", " thu hồi", ""][index % 4]
                return procedure
            }
    }()

    /// Whatever the words, the index finds exactly the procedures whose search text contains
    /// every one of them (what a scan with `contains` finds), and ranks them all.
    @Test func candidatesFromSequencesMatchAFullScan() {
        let index = ProcedureIndex(Self.catalogue.map { ProcedureIndex.entry($0) }, remembering: false)
        let texts = Dictionary(Self.catalogue.map { ($0.code, ProcedureIndex.searchText($0)) }, uniquingKeysWith: { a, _ in a })
        let words = [
            "cap", "lai", "khai", "sinh", "dang ky", "o", "xe", "ho", "kinh doanh", "giay phep", "1.00", "mau 1", "han", "thu hoi", "zz", "dat dai",
            "ng",
        ]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let query = (0..<Int.random(in: 1...3, using: &random)).map { _ in words.randomElement(using: &random)! }.joined(separator: " ")
            let expected = Set(texts.filter { _, text in query.split(separator: " ").allSatisfy { text.contains($0) } }.keys)
            let found = index.search(.init(text: query))
            #expect(Set(found.entries.map(\.summary.code)) == expected, "\(query)")
            #expect(found.total == expected.count && found.entries.count == expected.count, "\(query)")
        }
    }

    @Test func bestKeysAreTheSmallestInOrder() {
        var random = SystemRandomNumberGenerator()
        for capacity in [0, 1, 5, 500] {
            let keys = (0..<Int.random(in: 0...2_000, using: &random)).map { _ in UInt64.random(in: 0...10_000, using: &random) }
            var best = ProcedureIndex.BestKeys(capacity: capacity)
            for key in keys { best.offer(key) }
            #expect(best.sorted() == Array(keys.sorted().prefix(capacity)))
            #expect(best.offered == keys.count)
        }
    }

    /// A page deep in a long ranking is the same slice of the whole ranking.
    @Test func pagesBeyondTheKeptOnesFollowTheWholeRanking() {
        let index = ProcedureIndex(Self.catalogue.map { ProcedureIndex.entry($0) })
        let whole = index.search(.init(text: "a")).entries.map(\.summary.code)
        #expect(whole.count > 100)
        #expect(index.search(.init(text: "a"), offset: 40, limit: 30).entries.map(\.summary.code) == Array(whole[40..<70]))
        #expect(index.search(.init(text: "a"), offset: 0, limit: 10).entries.map(\.summary.code) == Array(whole[0..<10]))
    }

    @Test func anAgedOutIndexIsKeptUntilTheTableChanges() async throws {
        try await TestEnvironment.withPlatform { platform in
            let catalogue = platform.procedures
            let first = try await catalogue.searchIndex()
            catalogue.index.clear()  // as if it aged out: the table is unchanged
            #expect(try await catalogue.searchIndex().entries.first === first.entries.first)
            var changed = try await catalogue.all()[0]
            changed.processingDays += 1
            _ = try await catalogue.importProcedures([changed], by: .system(), requestID: nil)
            let rebuilt = try await catalogue.searchIndex()
            #expect(rebuilt.entries.first !== first.entries.first)
            #expect(rebuilt.entries.first { $0.summary.code == changed.code }?.summary.processingDays == changed.processingDays)
        }
    }
}
