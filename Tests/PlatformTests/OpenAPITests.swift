import Foundation
import HummingbirdTesting
import Testing
import Web

/// `/openapi.json` describes exactly the API the router serves, with the declared access.
@Suite struct OpenAPITests {
    /// Each context's part of the document adds its paths and components; one defined twice is refused.
    @Test func partsAreMergedAndNothingIsDefinedTwice() throws {
        let base = Data(#"{"openapi":"3.1.0","paths":{},"components":{"schemas":{"Problem":{}}}}"#.utf8)
        let dossiers = (name: "dossiers.openapi.json", data: Data(#"{"paths":{"/api/v1/dossiers":{}},"components":{"schemas":{"Dossier":{}}}}"#.utf8))
        let merged = try JSONSerialization.jsonObject(with: OpenAPIDocument.merged(base: base, parts: [dossiers])) as? [String: Any]
        #expect((merged?["paths"] as? [String: Any])?.keys.sorted() == ["/api/v1/dossiers"])
        #expect(((merged?["components"] as? [String: Any])?["schemas"] as? [String: Any])?.keys.sorted() == ["Dossier", "Problem"])
        let again = (name: "documents.openapi.json", data: Data(#"{"components":{"schemas":{"Problem":{}}}}"#.utf8))
        #expect {
            try OpenAPIDocument.merged(base: base, parts: [dossiers, again])
        } throws: { error in
            (error as? OpenAPIDocument.DefinedTwice)?.description == "components/schemas/Problem is defined again in documents.openapi.json"
        }
    }

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
