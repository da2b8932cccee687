import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import Web

/// Every route declares its access, the router holds nothing undeclared, and every route that is
/// not public refuses anonymous callers and callers without the permission.
@Suite struct RouteAccessTests {
    /// A concrete URL for a route pattern (`:name` parameters filled in).
    static func sample(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            switch segment {
            case ":identifier": "000.00.00.H19"
            case ":year": "2026"
            case ":date": "2026-12-31"
            case ":name": "app.css"
            case ":code": "000.00.15.H19-260101-0001"
            case ":action": "receive"
            case ":id": "1"
            case ":slip": "receipt"
            case ":serial": "0a"
            default: String(segment)
            }
        }.joined(separator: "/")
    }

    @Test func theRouterHoldsExactlyTheDeclaredRoutes() async throws {
        try await TestEnvironment.withApp { _, _, routes in
            let declared = Set(routes.catalog.entries.map { "\($0.method) \($0.templatePath)" })
            let registered = Set(routes.routerRoutes)
            #expect(declared.count == routes.catalog.entries.count, "a route is declared twice")
            #expect(registered == declared)
            #expect(registered.count > 25)
        }
    }

    @Test func nonPublicRoutesRefuseAnonymousCallers() async throws {
        try await TestEnvironment.withApp { client, _, routes in
            let closed = routes.catalog.entries.filter { $0.access != .everyone }
            #expect(!closed.isEmpty)
            for entry in closed {
                let uri = Self.sample(entry.path)
                let response = try await client.execute(
                    uri: uri,
                    method: entry.method,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}")
                )
                if Surface.isAPI(entry.path) {
                    #expect(response.status == .unauthorized, "\(entry)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(entry)")
                } else if entry.method == .get {
                    #expect(response.status == .found, "\(entry)")
                    #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(entry)")
                } else {
                    // Form posts without a session fail the CSRF check before anything else.
                    #expect(response.status == .forbidden || response.status == .unauthorized, "\(entry)")
                }
            }
        }
    }

    @Test func permissionRoutesRefuseCallersWithoutThePermission() async throws {
        try await TestEnvironment.withApp { client, _, routes in
            let citizen = try await client.token(DemoData.citizen.phone)
            for entry in routes.catalog.entries where Surface.isAPI(entry.path) {
                guard case .permission = entry.access else { continue }
                let response = try await client.json(Self.sample(entry.path), method: entry.method, token: citizen, body: "{}")
                #expect(response.status == .forbidden, "\(entry)")
            }
        }
    }

    @Test func bearerTokensAreRequiredOnTheAPIAndSessionCookiesIgnored() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let bad = try await client.json("/api/v1/me", token: "not-a-jwt")
            #expect(bad.status == .unauthorized)
            let forged = try await client.json("/api/v1/me", token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")
            #expect(forged.status == .unauthorized)
            let cookie = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: "cqs_session=anything"])
            #expect(cookie.status == .unauthorized)
        }
    }
}
