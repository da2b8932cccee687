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

    /// Horizontal stacked bars, one per row, with a legend; scales to its container.
    public static func stackedBars(_ bars: [Bar], title: String, legend: [Segment]) -> String {
        let width = 640
        let labelWidth = 220
        let barHeight = 22
        let gap = 8
        let top = 30
        let maxTotal = max(1, bars.map { $0.segments.reduce(0) { $0 + $1.value } }.max() ?? 1)
        let height = top + bars.count * (barHeight + gap) + 30
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(title))\" class=\"chart\">"
        svg += "<title>\(escape(title))</title>"
        var x = 0
        for item in legend {
            svg +=
                "<rect x=\"\(x)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(item.color)\"/><text x=\"\(x + 16)\" y=\"15\" font-size=\"12\">\(escape(item.label))</text>"
            x += 18 + item.label.count * 7
        }
        for (index, bar) in bars.enumerated() {
            let y = top + index * (barHeight + gap)
            let label = bar.label.count > 32 ? String(bar.label.prefix(31)) + "…" : bar.label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" font-size=\"12\" text-anchor=\"end\">\(escape(label))</text>"
            var offset = Double(labelWidth)
            let scale = Double(width - labelWidth - 50) / Double(maxTotal)
            for segment in bar.segments where segment.value > 0 {
                let w = Double(segment.value) * scale
                svg +=
                    "<rect x=\"\(number(offset))\" y=\"\(y)\" width=\"\(number(w))\" height=\"\(barHeight)\" fill=\"\(segment.color)\">"
                    + "<title>\(escape(segment.label)): \(segment.value)</title></rect>"
                offset += w
            }
            let total = bar.segments.reduce(0) { $0 + $1.value }
            svg += "<text x=\"\(number(offset + 4))\" y=\"\(y + 15)\" font-size=\"12\">\(total)</text>"
        }
        return svg + "</svg>"
    }
}
