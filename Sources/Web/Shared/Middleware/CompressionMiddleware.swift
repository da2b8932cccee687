import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore

/// Compresses text responses (pages, stylesheets, JSON, CSV, XML, SVG) with gzip when the client
/// accepts it, streaming: each written chunk is compressed as it passes, so a large export is
/// never held whole. Files that are already compressed (PDF, images, ZIP, Office) pass as they are.
public struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies known to be smaller than this are not worth a gzip header.
    static var minimumLength: Int { 512 }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method != .head, Self.acceptsGzip(request.headers[.acceptEncoding]),
            response.headers[.contentEncoding] == nil, response.status != .notModified, response.status != .noContent,
            Self.isCompressible(response.headers[.contentType]),
            (response.body.contentLength ?? Int.max) >= Self.minimumLength
        else { return response }
        let body = response.body
        response.body = ResponseBody { writer in
            try await body.write(GzipWriter(inner: writer))
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        response.headers[.vary] = [response.headers[.vary], "Accept-Encoding"].compactMap { $0 }.joined(separator: ", ")
        return response
    }

    /// Whether `Accept-Encoding` lists gzip (or `*`) with a non-zero quality.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.hasPrefix("application/json") || type.hasPrefix("application/problem+json")
            || type.hasPrefix("application/xml") || type.hasPrefix("image/svg+xml") || type.hasPrefix("application/javascript")
    }
}

/// Writes what it is given gzip-compressed to the writer it wraps.
struct GzipWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let compressor: NIOCompressor

    init(inner: any ResponseBodyWriter) {
        self.inner = inner
        compressor = CompressionAlgorithm.gzip().compressor
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        if !started {
            try compressor.startStream()
            started = true
        }
        var input = buffer
        let output = try input.compressStream(with: compressor, flush: .sync, allocator: ByteBufferAllocator())
        if output.readableBytes > 0 { try await inner.write(output) }
    }

    private var started = false

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        if !started { try compressor.startStream() }
        var empty = ByteBuffer()
        let last = try empty.compressStream(with: compressor, flush: .finish, allocator: ByteBufferAllocator())
        try compressor.finishStream()
        try await inner.write(last)
        try await inner.finish(trailingHeaders)
    }
}
