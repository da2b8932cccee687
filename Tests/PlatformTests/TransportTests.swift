import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Server
import Testing

/// Compression when the client accepts it, and caching: public pages shared for a minute with
/// validators, everything personal `no-store`.
@Suite struct TransportTests {
    @Test func pagesAndJSONAreGzippedOnlyWhenAccepted() async throws {
        try await TestEnvironment.withApp(.live) { client, _, _ in
            let plain = try await client.execute(uri: "/procedures", method: .get)
            #expect(plain.headers[.contentEncoding] == nil)
            let zipped = try await client.execute(uri: "/procedures", method: .get, headers: [.acceptEncoding: "br;q=1, gzip;q=0.8"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.vary]?.contains("Accept-Encoding") == true)
            var body = zipped.body
            let unzipped = try body.decompress(with: .gzip())
            #expect(String(buffer: unzipped) == String(buffer: plain.body))
            #expect(zipped.body.readableBytes * 3 < plain.body.readableBytes, "\(zipped.body.readableBytes) of \(plain.body.readableBytes) bytes")
            let refused = try await client.execute(uri: "/procedures", method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"])
            #expect(refused.headers[.contentEncoding] == nil)
            let json = try await client.execute(uri: "/api/v1/procedures?limit=50", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(json.headers[.contentEncoding] == "gzip")
            var jsonBody = json.body
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: try jsonBody.decompress(with: .gzip())))) is [String: Any])
            let css = try await client.execute(uri: "/static/app.css", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(css.headers[.contentEncoding] == "gzip")
            let icon = try await client.execute(uri: "/favicon.ico", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(icon.status == .movedPermanently)
        }
    }

    @Test func publicPagesAreCacheableWithValidatorsAndPrivateOnesAreNot() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let home = try await client.execute(uri: "/procedures/1.001193", method: .get)
            #expect(home.headers[.cacheControl] == "public, max-age=60")
            #expect(home.headers[.setCookie] == nil, "a shared page sets no cookie")
            let etag = try #require(home.headers[.eTag])
            let again = try await client.execute(uri: "/procedures/1.001193", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            // A page with a form carries the visitor's CSRF token: private.
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.headers[.cacheControl] == "no-store")
            #expect(login.headers[.setCookie] != nil)
            // Signed in, the same public page is private.
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let mine = try await citizen.get("/procedures/1.001193")
            #expect(mine.headers[.cacheControl] == "no-store" && mine.headers[.eTag] == nil)
            #expect(try await citizen.get("/dossiers").headers[.cacheControl] == "no-store")
            // Switching language sets a cookie: not shared.
            let english = try await client.execute(uri: "/procedures/1.001193?lang=en", method: .get)
            #expect(english.headers[.cacheControl] == "no-store")
        }
    }
}
