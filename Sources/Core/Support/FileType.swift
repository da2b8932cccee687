import Foundation

/// The kinds of file a dossier may carry, recognised by their content, never by their name.
public enum FileType: String, Codable, Sendable, CaseIterable {
    case pdf, jpeg, png, docx

    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
    }

    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// Detects the type from the first bytes (and, for DOCX, the ZIP entries).
    public static func detect(_ data: Data) -> FileType? {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            // A Word document is a ZIP with [Content_Types].xml and a word/ part.
            let names = data.range(of: Data("[Content_Types].xml".utf8)) != nil && data.range(of: Data("word/".utf8)) != nil
            return names ? .docx : nil
        }
        return nil
    }

    /// A safe file name: no path, no control or markup characters, at most 150 characters,
    /// with the extension of the detected type.
    public static func sanitizedName(_ name: String, type: FileType) -> String {
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var stem = base
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { stem = String(base[..<dot]) }
        let cleaned = stem.unicodeScalars.filter { scalar in
            CharacterSet.letters.contains(scalar) || CharacterSet.decimalDigits.contains(scalar) || " -_().".unicodeScalars.contains(scalar)
        }
        var result = String(String.UnicodeScalarView(cleaned)).trimmingCharacters(in: .whitespaces)
        while result.hasPrefix(".") { result.removeFirst() }
        if result.isEmpty { result = "tep" }
        return String(result.prefix(150)) + "." + type.fileExtension
    }

    /// The longest file name accepted, in UTF-8 bytes (what file systems allow).
    public static let maxNameBytes = 255

    /// Accepts an uploaded file: at most `maxSize` bytes, a PDF, JPEG, PNG or DOCX by its content.
    /// Returns its type and safe name, or the reason it is refused.
    public static func accept(_ data: Data, name: String, maxSize: Int) throws(DomainError) -> (type: FileType, name: String) {
        guard name.utf8.count <= maxNameBytes else {
            throw .invalid(
                "file",
                "Tên tệp dài tối đa \(maxNameBytes) byte (đang có \(name.utf8.count))",
                "A file name is at most \(maxNameBytes) bytes (it has \(name.utf8.count))"
            )
        }
        guard data.count <= maxSize else {
            throw .invalid("file", "Tệp \(name) vượt quá \(maxSize / 1_048_576) MB", "\(name) exceeds \(maxSize / 1_048_576) MB")
        }
        guard !data.isEmpty, let type = detect(data) else {
            throw .invalid("file", "Tệp \(name): chỉ nhận PDF, JPEG, PNG hoặc DOCX", "\(name): only PDF, JPEG, PNG or DOCX files are accepted")
        }
        return (type, sanitizedName(name, type: type))
    }
}
