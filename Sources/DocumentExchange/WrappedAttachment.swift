import Foundation
import ZIPFoundation

/// The national axis's SDK zips every attached file: a package's attachment may be a ZIP holding
/// the real file. When the manifest says so (a ZIP content type) or the bytes are a ZIP with a
/// single file, the file inside is what the clerk registers, under its own name and type; the
/// wrapped original stays in the package as received.
public enum WrappedAttachment {
    /// The file inside a ZIP-wrapped attachment, if it is one.
    public static func unwrap(_ attachment: EdXMLAttachment) -> EdXMLAttachment? {
        guard let data = try? attachment.data(), data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return nil }
        guard let archive = try? Archive(data: data, accessMode: .read) else { return nil }
        let files = archive.filter { $0.type == .file }
        guard files.count == 1, let entry = files.first else { return nil }
        var inner = Data()
        guard (try? archive.extract(entry) { inner.append($0) }) != nil else { return nil }
        let name = (entry.path as NSString).lastPathComponent
        return EdXMLAttachment(
            contentId: attachment.contentId,
            contentType: contentType(of: name),
            name: name,
            description: "Giải nén từ \(attachment.name) / unwrapped from \(attachment.name)",
            source: .data(inner)
        )
    }

    /// A content type from a file name (what a registered document's file is served as).
    static func contentType(of name: String) -> String {
        let types = [
            "pdf": "application/pdf", "doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "odt": "application/vnd.oasis.opendocument.text", "xml": "application/xml", "edxml": "application/xml", "txt": "text/plain",
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "tif": "image/tiff", "tiff": "image/tiff", "zip": "application/zip",
        ]
        return types[(name as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
    }

    /// The attachments with each wrapped one replaced by the file inside (its `.p7s`, if any,
    /// renamed to follow it).
    public static func unwrapped(_ attachments: [EdXMLAttachment]) -> [EdXMLAttachment] {
        var renamed: [String: String] = [:]
        let files = attachments.map { attachment -> EdXMLAttachment in
            guard !attachment.name.hasSuffix(".p7s"), let inner = unwrap(attachment) else { return attachment }
            renamed[attachment.name + ".p7s"] = inner.name + ".p7s"
            return inner
        }
        return files.map { attachment in
            guard let name = renamed[attachment.name] else { return attachment }
            return EdXMLAttachment(
                contentId: attachment.contentId,
                contentType: attachment.contentType,
                name: name,
                description: attachment.description,
                source: attachment.source
            )
        }
    }
}
