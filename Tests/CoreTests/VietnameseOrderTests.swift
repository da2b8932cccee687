import Core
import Testing

/// Vietnamese collation, against orders a Vietnamese dictionary uses.
@Suite struct VietnameseOrderTests {
    @Test func lettersFollowTheVietnameseAlphabet() {
        let words = ["ê", "đa", "ư", "ân", "ơ", "ăn", "ca", "em", "an", "ô", "dê", "u", "o", "bà"]
        #expect(words.sortedVietnamese { $0 } == ["an", "ăn", "ân", "bà", "ca", "dê", "đa", "em", "ê", "o", "ô", "ơ", "u", "ư"])
    }

    @Test func tonesComeAfterLettersInDictionaryOrder() {
        #expect(["mạ", "má", "mã", "mả", "mà", "ma"].sortedVietnamese { $0 } == ["ma", "mà", "mả", "mã", "má", "mạ"])
        // The letters decide first: a tone never outweighs a later letter.
        #expect(VietnameseOrder.precedes("mạ", "mai"))
    }

    @Test func realNamesSortAsPeopleExpect() {
        // Code-point order puts "Cung cấp" before "Cấp" and "Đà Lạt" before "Dương"'s neighbours wrongly.
        #expect(VietnameseOrder.precedes("Cấp giấy phép", "Cung cấp thông tin"))
        #expect(VietnameseOrder.precedes("Dương Minh Châu", "Đà Lạt"))
        #expect(VietnameseOrder.precedes("Xã Long Hà", "Xã Lộc Hưng"))
        #expect(VietnameseOrder.precedes("Phường Bình Long", "Phường Bình Lộc"))
        #expect(VietnameseOrder.precedes("Phường Bảo Vinh", "Phường Bình Long"))  // code points put "Bình" first
        // Case is the last word: lower before upper, and a whole word before its longer form.
        #expect(VietnameseOrder.precedes("an", "An") && VietnameseOrder.precedes("An", "an giang"))
        // Decomposed input (as some keyboards send it) sorts like the precomposed form.
        #expect(!VietnameseOrder.precedes("Ca\u{0300}", "Cà") && !VietnameseOrder.precedes("Cà", "Ca\u{0300}"))
    }

    @Test func digitsAndSpacesComeBeforeLetters() {
        #expect(["b", "2", "a b", "ab", "10"].sortedVietnamese { $0 } == ["10", "2", "a b", "ab", "b"])
    }
}

@Suite struct VietnameseNameOrderTests {
    @Test func peopleSortByGivenNameThenFamilyName() {
        let people = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Ánh", "Phạm Minh Xây", "Đỗ Thị Bình"]
        #expect(
            people.sortedVietnamese { VietnameseOrder.personKey($0) } == [
                "Nguyễn Thị An", "Lê Văn Ánh", "Đỗ Thị Bình", "Trần Văn Bình", "Phạm Minh Xây",
            ]
        )
    }
}

/// Dates as people type them.
@Suite struct TypedDateTests {
    @Test func dayFirstAndISOAreRead() {
        #expect(LocalDate(typed: "31/12/2026") == LocalDate(year: 2026, month: 12, day: 31))
        #expect(LocalDate(typed: " 1/2/2027 ") == LocalDate(year: 2027, month: 2, day: 1))
        #expect(LocalDate(typed: "05-03-2026") == LocalDate(year: 2026, month: 3, day: 5))
        #expect(LocalDate(typed: "05.03.2026") == LocalDate(year: 2026, month: 3, day: 5))
        #expect(LocalDate(typed: "2026-03-05") == LocalDate(year: 2026, month: 3, day: 5))
    }

    @Test func impossibleOrAmbiguousDatesAreRefused() {
        for text in ["30/02/2026", "12/31/2026", "1/1/26", "31/12/99999", "", "hôm nay", "2026/03/05", "1/1/1800"] {
            #expect(LocalDate(typed: text) == nil, "\(text)")
        }
    }
}
