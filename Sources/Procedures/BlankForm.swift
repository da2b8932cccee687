import Foundation
import ZIPFoundation

/// The blank form (mẫu đơn, tờ khai) a procedure's paper names, for citizens to download, fill
/// in and attach: the national heading, the paper's title, the receiving agency and the lines
/// every declaration asks for, as a Word document (Office Open XML, ISO/IEC 29500).
public struct BlankForm: Sendable, Equatable {
    public let fileName: String
    public let title: String
    public let procedureName: String
    public let agencyName: String

    /// The form of `procedure`'s paper whose template is named `fileName`, if it has one.
    public init?(_ procedure: Procedure, fileName: String, agencyName: String) {
        guard let paper = procedure.documents.first(where: { $0.formTemplate == fileName }) else { return nil }
        self.fileName = fileName
        self.title = paper.name
        self.procedureName = procedure.name
        self.agencyName = agencyName
    }

    /// The form's paragraphs, top to bottom (centred ones first).
    public var paragraphs: [WordDocument.Paragraph] {
        [
            .init("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", centred: true, bold: true),
            .init("Độc lập - Tự do - Hạnh phúc", centred: true, bold: true),
            .init(""),
            .init(title.uppercased(), centred: true, bold: true),
            .init("(Thủ tục: \(procedureName))", centred: true),
            .init(""),
            .init("Kính gửi: \(agencyName)"),
            .init("Họ, chữ đệm và tên người yêu cầu: " + String(repeating: ".", count: 40)),
            .init("Ngày, tháng, năm sinh: " + String(repeating: ".", count: 52)),
            .init("Số định danh cá nhân: " + String(repeating: ".", count: 52)),
            .init("Nơi cư trú: " + String(repeating: ".", count: 64)),
            .init("Số điện thoại: " + String(repeating: ".", count: 28) + " Thư điện tử: " + String(repeating: ".", count: 24)),
            .init("Nội dung đề nghị: " + String(repeating: ".", count: 58)),
            .init(String(repeating: ".", count: 78)),
            .init(String(repeating: ".", count: 78)),
            .init("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về lời cam đoan của mình."),
            .init(""),
            .init("........, ngày ..... tháng ..... năm ........", right: true),
            .init("NGƯỜI YÊU CẦU", right: true, bold: true),
            .init("(Ký, ghi rõ họ, chữ đệm, tên)", right: true),
        ]
    }

    public func document() throws -> Data { try WordDocument.data(paragraphs) }
}

/// A minimal WordprocessingML package: one document part of plain paragraphs, Times New Roman
/// 13 pt (the administrative-document font of Decree 30/2020).
public enum WordDocument {
    public struct Paragraph: Sendable, Equatable {
        public let text: String
        public let centred: Bool
        public let right: Bool
        public let bold: Bool

        public init(_ text: String, centred: Bool = false, right: Bool = false, bold: Bool = false) {
            self.text = text
            self.centred = centred
            self.right = right
            self.bold = bold
        }
    }

    public static let mediaType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    public static func data(_ paragraphs: [Paragraph]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts(paragraphs) {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    static func parts(_ paragraphs: [Paragraph]) -> [(String, String)] {
        let xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        let contentTypes =
            xml + """
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
                </Types>
                """
        let relationships =
            xml + """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
                </Relationships>
                """
        let body = paragraphs.map(paragraphXML).joined()
        let document =
            xml + """
                <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)\
                <w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="0" w:footer="0" w:gutter="0"/></w:sectPr>\
                </w:body></w:document>
                """
        return [("[Content_Types].xml", contentTypes), ("_rels/.rels", relationships), ("word/document.xml", document)]
    }

    static func paragraphXML(_ paragraph: Paragraph) -> String {
        let alignment = paragraph.centred ? #"<w:jc w:val="center"/>"# : paragraph.right ? #"<w:jc w:val="right"/>"# : ""
        let font = #"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>"#
        let run = "<w:rPr>\(font)\(paragraph.bold ? "<w:b/>" : "")<w:sz w:val=\"26\"/></w:rPr>"
        return "<w:p><w:pPr>\(alignment)</w:pPr><w:r>\(run)<w:t xml:space=\"preserve\">\(escaped(paragraph.text))</w:t></w:r></w:p>"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
