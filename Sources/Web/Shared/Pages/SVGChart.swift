import Foundation

/// Charts as SVG built in Swift (no JavaScript): colours are presentation attributes, so the
/// strict CSP holds; every label is XML-escaped.
public enum SVGChart {
    public struct Segment: Sendable {
        public let value: Int
        public let color: String
        public let label: String
        public init(value: Int, color: String, label: String) {
            self.value = value
            self.color = color
            self.label = label
        }
    }

    public struct Bar: Sendable {
        public let label: String
        public let segments: [Segment]
        public init(label: String, segments: [Segment]) {
            self.label = label
            self.segments = segments
        }
    }

    static func number(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Long official names made to fit a bar's label: the usual abbreviations first (UBND,
    /// HĐND, …), then cut at `limit` characters with "…". The full name stays in a tooltip and
    /// in the table beside the chart.
    static let abbreviations = [
        ("Ủy ban nhân dân", "UBND"), ("Hội đồng nhân dân", "HĐND"), ("Trung tâm Phục vụ hành chính công", "TT PVHCC"),
        ("thành phố", "TP"), ("Thành phố", "TP"),
    ]

    static func shortLabel(_ label: String, limit: Int = 30) -> String {
        var short = label
        for (long, abbreviation) in abbreviations { short = short.replacingOccurrences(of: long, with: abbreviation) }
        return short.count > limit ? String(short.prefix(limit - 1)).trimmingCharacters(in: .whitespaces) + "…" : short
    }

    /// The legend's items placed left to right, wrapping onto a new line before `width`:
    /// each item's x and line.
    static func legendLayout(_ legend: [Segment], width: Int) -> [(x: Int, line: Int)] {
        var placed: [(x: Int, line: Int)] = []
        var x = 0
        var line = 0
        for item in legend {
            let itemWidth = 22 + Int((Double(item.label.count) * 7.2).rounded(.up))
            if x > 0 && x + itemWidth > width {
                x = 0
                line += 1
            }
            placed.append((x, line))
            x += itemWidth
        }
        return placed
    }

    /// Horizontal stacked bars, one per row, with a legend that wraps; scales to its container.
    public static func stackedBars(_ bars: [Bar], title: String, legend: [Segment]) -> String {
        let width = 640
        let labelWidth = 220
        let barHeight = 22
        let gap = 8
        let layout = legendLayout(legend, width: width)
        let legendLines = (layout.map(\.line).max() ?? -1) + 1
        let top = 12 + legendLines * 18
        let maxTotal = max(1, bars.map { $0.segments.reduce(0) { $0 + $1.value } }.max() ?? 1)
        let height = top + bars.count * (barHeight + gap) + 30
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(title))\" class=\"chart\">"
        svg += "<title>\(escape(title))</title>"
        for (item, place) in zip(legend, layout) {
            let y = 4 + place.line * 18
            svg +=
                "<rect x=\"\(place.x)\" y=\"\(y)\" width=\"12\" height=\"12\" fill=\"\(item.color)\"/><text x=\"\(place.x + 16)\" y=\"\(y + 11)\" font-size=\"12\">\(escape(item.label))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let y = top + index * (barHeight + gap)
            svg +=
                "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" font-size=\"12\" text-anchor=\"end\"><title>\(escape(bar.label))</title>\(escape(shortLabel(bar.label)))</text>"
            var offset = Double(labelWidth)
            let scale = Double(width - labelWidth - 50) / Double(maxTotal)
            for segment in bar.segments where segment.value > 0 {
                let w = Double(segment.value) * scale
                svg +=
                    "<rect x=\"\(number(offset))\" y=\"\(y)\" width=\"\(number(w))\" height=\"\(barHeight)\" fill=\"\(segment.color)\">"
                    + "<title>\(escape(bar.label)) — \(escape(segment.label)): \(segment.value)</title></rect>"
                offset += w
            }
            let total = bar.segments.reduce(0) { $0 + $1.value }
            svg += "<text x=\"\(number(offset + 4))\" y=\"\(y + 15)\" font-size=\"12\">\(total)</text>"
        }
        return svg + "</svg>"
    }
}
