import Foundation
import HummingbirdCore
import Testing

@testable import Web

/// The multipart parser on its own: parts, files, look-alike delimiters inside content, sliced
/// buffers and malformed bodies.
@Suite struct MultipartTests {
    static func body(_ boundary: String, _ parts: [(headers: String, content: Data)], closed: Bool = true) -> Data {
        var data = Data("preamble\r\n".utf8)
        for part in parts {
            data += Data("--\(boundary)\r\n\(part.headers)\r\n\r\n".utf8) + part.content + Data("\r\n".utf8)
        }
        if closed { data += Data("--\(boundary)--\r\n".utf8) }
        return data
    }

    @Test func readsFieldsAndFilesWithLookAlikeDelimitersInside() throws {
        let tricky = Data("%PDF--XYZ inline\r\n--XY\r\n-\r\n-".utf8) + Data([0, 255, 13, 10])
        let data = Self.body(
            "XYZ",
            [
                ("Content-Disposition: form-data; name=\"dossier\"", Data("{\"a\":1}".utf8)),
                ("Content-Disposition: form-data; name=\"Đơn\"; filename=\"đơn.pdf\"\r\nContent-Type: application/pdf", tricky),
            ]
        )
        // A slice whose indices do not start at zero, as request buffers can be.
        let sliced = (Data("junk".utf8) + data)[4...]
        let parsed = try #require(Multipart.parse(sliced, boundary: "XYZ"))
        #expect(parsed.fields == ["dossier": "{\"a\":1}"])
        #expect(parsed.files.count == 1 && parsed.files[0].field == "Đơn" && parsed.files[0].fileName == "đơn.pdf" && parsed.files[0].data == tricky)
    }

    @Test func rejectsBodiesWithoutTheirClosingDelimiter() {
        let open = Self.body("B", [("Content-Disposition: form-data; name=\"x\"", Data("1".utf8))], closed: false)
        #expect(Multipart.parse(open, boundary: "B") == nil)
        #expect(Multipart.parse(Data("no delimiter at all".utf8), boundary: "B") == nil)
        #expect(Multipart.parse(Data(), boundary: "B") == nil)
    }

    @Test func searchFindsOnlyWholeNeedles() {
        let data = Data("aab aabc aabcd".utf8)
        #expect(Multipart.search(Array("abcd".utf8), in: data, from: data.startIndex) == 10..<14)
        #expect(Multipart.search(Array("abce".utf8), in: data, from: data.startIndex) == nil)
        #expect(Multipart.search(Array("a".utf8), in: data, from: 14) == nil)
    }
}

/// Query parameters decoded as browsers encode forms, compared with Foundation's decoding.
@Suite struct FormDecodingTests {
    @Test func decodesLikeFoundation() {
        for text in ["dang+ky", "%C4%90%C4%83ng%20k%C3%BD", "a%2Bb", "plain", "", "100%25", "x+%26+y"] {
            #expect(URI.formDecoded(Substring(text)) == text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding)
        }
        for bad in ["%", "%4", "%zz", "%C4"] {
            #expect(URI.formDecoded(Substring(bad)) == nil)
        }
    }
}
