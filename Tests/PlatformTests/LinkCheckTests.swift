import Core
import Foundation
import HummingbirdTesting
import Procedures
import Server
import Testing
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Crawls the pages as each demo role would see them and fails on any link, stylesheet or image
/// that answers 4xx/5xx, and on a "next page" link that shows the same page again.
@Suite struct LinkCheckTests {
    /// Every demo role, and a visitor who is not signed in.
    static let roles: [String?] = [nil, DemoData.citizen.phone] + DemoData.logins.map(\.username)

    @Test(arguments: roles) func everyLinkAnswers(_ username: String?) async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let session = try await username.asyncMap { try await PageSession.signIn(client, username: $0) } ?? PageSession(client: client)
            var crawler = LinkCrawler(session: session)
            let broken = try await crawler.crawl(
                from: ["/", "/favicon.ico"] + (username == nil ? ["/login", "/procedures/1.001193"] : ["/account"])
            )
            #expect(broken.isEmpty, "\(username ?? "visitor"): \(broken.joined(separator: "\n"))")
            #expect(crawler.visited.count > 5, "\(username ?? "visitor") reached only \(crawler.visited.sorted())")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// A breadth-first crawl of same-site links, a few pages per kind of page.
struct LinkCrawler {
    var session: PageSession
    var visited: Set<String> = []
    var perKind: [String: Int] = [:]
    let pageLimit = 120
    let perKindLimit = 3

    /// The links that failed, each with the page that showed it.
    mutating func crawl(from starts: [String]) async throws -> [String] {
        var queue = starts.map { (uri: $0, from: "(start)", nextOf: String?.none) }
        var broken: [String] = []
        var mainOf: [String: String] = [:]
        while !queue.isEmpty, visited.count < pageLimit {
            let (uri, from, nextOf) = queue.removeFirst()
            guard !visited.contains(uri), nextOf != nil || admit(uri) else { continue }
            visited.insert(uri)
            let response = try await session.get(uri)
            if response.status.code >= 400 {
                broken.append("\(response.status.code) \(uri) (linked from \(from))")
                continue
            }
            if (300..<400).contains(response.status.code), let location = response.headers[.location] {
                if let target = Self.resolve(location, against: uri) { queue.append((target, uri, nil)) }
                continue
            }
            guard response.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
            let main = Self.main(of: response.text)
            mainOf[uri] = main
            if let nextOf, let previous = mainOf[nextOf], previous == main {
                broken.append("\(uri): the next page shows the same as \(nextOf)")
            }
            for link in Self.links(in: response.text, at: uri) where !visited.contains(link.uri) {
                queue.append((link.uri, uri, link.isNext ? uri : nil))
            }
        }
        return broken
    }

    /// Pages of one kind (same path shape, codes and numbers masked, same query names) are
    /// visited a few times only; "next page" links always are.
    mutating func admit(_ uri: String) -> Bool {
        let parts = uri.split(separator: "?", maxSplits: 1).map(String.init)
        let shape = parts[0].split(separator: "/").map { $0.contains(where: \.isNumber) ? "*" : String($0) }.joined(separator: "/")
        let names = parts.count > 1 ? parts[1].split(separator: "&").map { $0.prefix { $0 != "=" } }.sorted().joined(separator: "&") : ""
        let kind = shape + "?" + names
        let count = perKind[kind, default: 0]
        guard count < perKindLimit else { return false }
        perKind[kind] = count + 1
        return true
    }

    static func main(of html: String) -> String {
        guard let start = html.range(of: "<main"), let end = html.range(of: "</main>") else { return html }
        return String(html[start.lowerBound..<end.upperBound])
            .replacingOccurrences(of: #"name="_csrf" value="[^"]*""#, with: "", options: .regularExpression)
    }

    /// Same-site targets of `href` and `src` attributes, resolved against `base` as a browser would.
    static func links(in html: String, at base: String) -> [(uri: String, isNext: Bool)] {
        let pattern = try! NSRegularExpression(pattern: #"<(a|link|img|script)\b[^>]*?\b(?:href|src)="([^"]*)"[^>]*>([^<]*)"#)
        let text = html as NSString
        return pattern.matches(in: html, range: NSRange(location: 0, length: text.length)).compactMap { match in
            let raw = text.substring(with: match.range(at: 2)).replacingOccurrences(of: "&amp;", with: "&")
            guard let uri = resolve(raw, against: base) else { return nil }
            let label = text.substring(with: match.range(at: 3))
            return (uri, label.contains("→") && (label.contains("Trang sau") || label.contains("Next")))
        }
    }

    static func resolve(_ raw: String, against base: String) -> String? {
        guard !raw.isEmpty, !raw.hasPrefix("#"), !raw.hasPrefix("mailto:"), !raw.hasPrefix("tel:") else { return nil }
        guard let baseURL = URL(string: "http://cqs.test" + base), let url = URL(string: raw, relativeTo: baseURL)?.absoluteURL,
            url.host == "cqs.test"
        else { return nil }
        return url.path + (url.query.map { "?" + $0 } ?? "")
    }
}

@Suite struct BlankFormTests {
    @Test func aProceduresFormDownloadsAsAWordDocument() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var visitor = PageSession(client: client)
            let page = try await visitor.get("/procedures/1.001193")
            #expect(page.text.contains(#"href="/procedures/1.001193/forms/TK-KS.docx""#))
            let file = try await visitor.get("/procedures/1.001193/forms/TK-KS.docx")
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == WordDocument.mediaType)
            let archive = try Archive(data: Data(buffer: file.body), accessMode: .read)
            #expect(Set(archive.map(\.path)) == ["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
            var xml = Data()
            _ = try archive.extract(try #require(archive["word/document.xml"])) { xml.append($0) }
            #expect(XMLParser(data: xml).parse(), "document.xml is well-formed XML")
            let text = String(decoding: xml, as: UTF8.self)
            #expect(text.contains("TỜ KHAI ĐĂNG KÝ KHAI SINH") && text.contains("Đăng ký khai sinh") && text.contains("Độc lập - Tự do - Hạnh phúc"))
            #expect(try await visitor.get("/procedures/1.001193/forms/other.docx").status == .notFound)
        }
    }
}
