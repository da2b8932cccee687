import Foundation
import HummingbirdTesting
import Testing
import Web

/// `/openapi.json` describes exactly the API the router serves, with the declared access.
@Suite struct OpenAPITests {
    @Test func documentMatchesTheRouter() async throws {
        try await TestEnvironment.withApp { client, _, routes in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: [String: [String: Any]] = [:]
            for (path, operations) in paths {
                for (method, operation) in operations {
                    documented["\(method.uppercased()) \(path)"] = operation as? [String: Any]
                }
            }
            var served: Set<String> = []
            for entry in routes.catalog.entries where Surface.isAPI(entry.path) {
                let key = "\(entry.method) \(entry.templatePath)"
                served.insert(key)
                guard let operation = documented[key] else {
                    Issue.record("undocumented route \(key)")
                    continue
                }
                let secured = !((operation["security"] as? [Any]) ?? []).isEmpty
                #expect(secured == (entry.access != .everyone), "security of \(key) does not match its access \(entry.access)")
                let responses = operation["responses"] as? [String: Any] ?? [:]
                if secured { #expect(responses["401"] != nil && responses["403"] != nil, "\(key) must document 401 and 403") }
            }
            #expect(Set(documented.keys) == served, "documented but not served: \(Set(documented.keys).subtracting(served))")
        }
    }
}
