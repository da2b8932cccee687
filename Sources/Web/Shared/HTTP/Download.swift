import Foundation
import Hummingbird

extension Response {
    /// Bytes as a download under `fileName` (ASCII fallback and RFC 5987 UTF-8 name), never cached.
    public static func download(fileName: String, mediaType: String, _ data: Data) -> Response {
        let ascii = fileName.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? String($0) : "_" }.joined()
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        return Response(
            status: .ok,
            headers: [
                .contentType: mediaType,
                .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

}
