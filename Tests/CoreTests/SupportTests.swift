import Synchronization
import Testing

@testable import Core

@Suite struct CSVTests {
    @Test func parsesQuotesNewlinesAndBOM() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\r\n"
        let rows = try CSV.parse(text)
        #expect(rows == [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "two\nlines", ""]])
    }

    @Test func roundTripsVietnameseAndSpecialCharacters() throws {
        let rows = [["identifier", "name"], ["000.00.00.H19", "Ủy ban nhân dân tỉnh Đồng Nai, \"UBND\""], ["x", "=SUM(A1)"], ["y", "-12"]]
        let records = try CSV.records(CSV.write(rows))
        #expect(records.map { $0["name"] } == ["Ủy ban nhân dân tỉnh Đồng Nai, \"UBND\"", "=SUM(A1)", "-12"])
    }

    @Test func neutralisesFormulasOnExport() {
        #expect(CSV.write([["=HYPERLINK(\"x\")"]]).hasPrefix("\"'=HYPERLINK"))
        #expect(CSV.write([["-12"]]) == "-12\r\n")
    }

    @Test func rejectsBrokenQuoting() {
        #expect(throws: ValidationError.self) { try CSV.parse("a,\"b\nc") }
        #expect(throws: ValidationError.self) { try CSV.parse("a,b\"c\",d") }
    }
}

@Suite struct TextFoldingTests {
    @Test func ignoresDiacriticsAndCase() {
        #expect(TextFolding.fold("Đăng ký hộ kinh doanh") == "dang ky ho kinh doanh")
        #expect(TextFolding.fold("  ỦY BAN   Nhân dân ") == "uy ban nhan dan")
        #expect(TextFolding.fold("Phường Biên Hòa") == TextFolding.fold("phuong bien hoa"))
    }
}

@Suite struct PageRequestTests {
    @Test func limitsAndCursors() throws {
        #expect(try PageRequest().limit == 50)
        #expect(throws: ValidationError.self) { try PageRequest(limit: 0) }
        #expect(throws: ValidationError.self) { try PageRequest(limit: 201) }
        #expect(try PageRequest(cursor: PageRequest.cursor(after: 12345)).afterKey() == 12345)
        #expect(throws: ValidationError.self) { try PageRequest(cursor: "!!").afterKey() }
    }
}

@Suite struct LocalDateTests {
    @Test func parsesAndFormats() {
        #expect(LocalDate(iso: "2026-02-29") == nil)
        #expect(LocalDate(iso: "2028-02-29")?.display == "29/02/2028")
        #expect(LocalDate(iso: "2026-11-29")?.isoWeekday == 7)
        #expect(LocalDate(iso: "2026-1-9") == nil)
    }
}

@Suite struct MoneyTests {
    @Test func formatsVND() {
        #expect(Money.vnd(0) == "0 ₫")
        #expect(Money.vnd(75000) == "75.000 ₫")
        #expect(Money.vnd(1_250_000) == "1.250.000 ₫")
        #expect(Money.vnd(-500) == "-500 ₫")
    }
}

@Suite struct ReferenceCacheTests {
    actor Loads {
        var count = 0
        func next() -> Int {
            count += 1
            return count
        }
    }

    /// A clock that moves only when told.
    final class HandClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
    }

    @Test func keepsFoundValuesUntilClearedOrExpired() async throws {
        let clock = HandClock()
        let cache = ReferenceCache<String, Int>(lifetime: .seconds(30), now: { clock.now() })
        let loads = Loads()
        #expect(try await cache.value(for: "a") { await loads.next() } == 1)
        clock.advance(.seconds(29))
        #expect(try await cache.value(for: "a") { await loads.next() } == 1)
        cache.clear()
        #expect(try await cache.value(for: "a") { await loads.next() } == 2)
        clock.advance(.seconds(31))
        // Aged out: the old value is served once more while the new one loads.
        #expect(try await cache.value(for: "a") { await loads.next() } == 2)
        // Until the reload is kept, the old value is served and no second reload starts.
        var served = 2
        for _ in 0..<500 where served != 3 {
            served = try await cache.value(for: "a") { await loads.next() } ?? 0
            if served != 3 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(served == 3)
        #expect(await loads.count == 3)
    }

    @Test func neverKeepsNotFoundNorALoadThatACleanupOvertook() async throws {
        let cache = ReferenceCache<String, Int>()
        #expect(try await cache.value(for: "x") { nil } == nil)
        #expect(try await cache.value(for: "x") { 7 } == 7)
        cache.clear()
        // A write clears the cache while a load of the old value is under way: it is not kept.
        #expect(
            try await cache.value(for: "y") {
                cache.clear()
                return 1
            } == 1
        )
        #expect(try await cache.value(for: "y") { 2 } == 2)
        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await cache.value(for: "z") { throw Failed() } }
        #expect(try await cache.value(for: "z") { 3 } == 3)
    }

    @Test func concurrentMissesShareOneLoad() async throws {
        let cache = ReferenceCache<String, Int>()
        let loads = Loads()
        let values = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.value(for: "k") {
                        try await Task.sleep(for: .milliseconds(50))
                        return await loads.next()
                    }
                }
            }
            return try await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(values == Array(repeating: 1, count: 20))
        #expect(await loads.count == 1)
    }

    @Test func smsTextsFitOneGSMSegmentWithoutDiacritics() {
        #expect(
            SMSText.plain("Hồ sơ H19.46-261202-0001 đã được tiếp nhận. Hẹn trả kết quả: 05/12/2026 17:00.")
                == "Ho so H19.46-261202-0001 da duoc tiep nhan. Hen tra ket qua: 05/12/2026 17:00."
        )
        #expect(SMSText.plain("ĐƯỜNG Điện Biên Phủ — “số 1”…\n¥") == "DUONG Dien Bien Phu - \"so 1\"... ?")
        let long = SMSText.plain("Hồ sơ H19-0001 cần bổ sung: " + String(repeating: "bản sao giấy chứng nhận ", count: 10))
        #expect(long.count <= SMSText.segmentLength && long.hasSuffix("...") && long.hasPrefix("Ho so H19-0001 can bo sung: ban sao"))
        #expect(long.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(SMSText.plain(String(repeating: "x", count: 200)).count == SMSText.segmentLength)
    }
}
