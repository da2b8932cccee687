import Core
import Testing

@testable import Web

/// The GOV.UK error pattern's mapping from a refusal to the page's fields.
@Suite struct FormErrorsTests {
    @Test func fieldsMapToTheirInputs() {
        #expect(FormErrors.inputID("applicant.fullName") == "fullName")
        #expect(FormErrors.inputID("documents[2]") == "documents-2")
        #expect(FormErrors.inputID("code") == "code")
    }

    @Test func everyErrorIsSummarisedAndShownAtItsField() {
        let refusal = Problem.from(
            DomainError.invalid([
                ValidationError(field: "applicant.fullName", messageVi: "Cần họ tên", messageEn: "Name needed"),
                ValidationError(field: "documents[1]", messageVi: "Thiếu tệp", messageEn: "File missing"),
                ValidationError(field: "applicant.fullName", messageVi: "Quá dài", messageEn: "Too long"),
            ]),
            language: .vi
        )
        let errors = FormErrors(refusal, language: .en)
        #expect(errors.summary.map(\.anchor) == ["fullName", "documents-1", "fullName"])
        #expect(errors.byField == ["fullName": "Name needed Too long", "documents-1": "File missing"])
        let general = FormErrors(Problem.from(DomainError.conflict(messageVi: "Đã xử lý", messageEn: "Done already"), language: .vi), language: .vi)
        #expect(general.summary.count == 1 && general.summary[0].anchor == nil && general.byField.isEmpty)
        #expect(FormErrors(nil, language: .vi).summary.isEmpty)
    }
}

/// Counted things read right in both languages.
@Suite struct QuantityWordingTests {
    @Test func englishSaysOneWithoutAPlural() {
        #expect(Quantity.workingDays(1, .en) == "1 working day" && Quantity.workingDays(10, .en) == "10 working days")
        #expect(Quantity.copies(1, .en) == "1 copy" && Quantity.copies(2, .en) == "2 copies")
        #expect(Quantity.workingDays(1, .vi) == "1 ngày làm việc" && Quantity.copies(3, .vi) == "3 bản")
        #expect(Quantity.procedures(found: 1, more: false, .en) == "1 procedure found")
        #expect(Quantity.procedures(found: 20, more: true, .vi).contains("trang sau"))
    }
}

/// Chart labels and legends that never run out of the picture.
@Suite struct ChartLabelTests {
    @Test func longNamesAreAbbreviatedAndKeptInATooltip() {
        let name = "Ủy ban nhân dân phường Bình Phước và các xã lân cận thuộc tỉnh Đồng Nai"
        #expect(SVGChart.shortLabel("Ủy ban nhân dân phường Bình Phước") == "UBND phường Bình Phước")
        #expect(SVGChart.shortLabel(name).count <= 30 && SVGChart.shortLabel(name).hasSuffix("…"))
        let svg = SVGChart.stackedBars(
            [.init(label: name, segments: [.init(value: 3, color: "#000", label: "Đúng hạn")])],
            title: "T",
            legend: []
        )
        #expect(svg.contains("<title>\(name)</title>"))
    }

    @Test func theLegendWrapsBeforeTheEdge() {
        let legend = (1...8).map { SVGChart.Segment(value: 1, color: "#000", label: "Nhiệm vụ đang thực hiện \($0)") }
        let layout = SVGChart.legendLayout(legend, width: 640)
        #expect(layout.map(\.line).max()! >= 1, "wrapped")
        for (item, place) in zip(legend, layout) {
            #expect(place.x + 22 + Int(Double(item.label.count) * 7.2) <= 640 + 1)
        }
    }
}
