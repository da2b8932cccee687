import Foundation
import Hummingbird

/// A local stand-in for the national document axis, for tests and demos (`cqs fake-axis`).
/// It speaks what `NationalAxisClient` speaks: `POST /edxml` with an `Idempotency-Key`, answered
/// 202 (or 503 while "down"). It keeps the first package per key and counts every delivery, so a
/// test can tell at-least-once delivery (deliveries ≥ keys) from loss (a key missing).
/// `GET /edxml` reports `{"deliveries": n, "keys": [...]}`; `POST /down` and `POST /up` switch it.
public actor FakeNationalAxis {
    public private(set) var down = false
    public private(set) var deliveries = 0
    public private(set) var packages: [String: Data] = [:]
    let delay: Duration

    /// `delay` holds each delivery for a while, so a crash can land while packages are in flight.
    public init(delay: Duration = .zero) { self.delay = delay }

    public func setDown(_ value: Bool) { down = value }

    /// Takes a package; false while down.
    public func accept(key: String, body: Data) -> Bool {
        if down { return false }
        deliveries += 1
        if packages[key] == nil { packages[key] = body }
        return true
    }

    struct Report: ResponseEncodable {
        let deliveries: Int
        let keys: [String]
    }

    /// The axis's routes.
    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/edxml") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 28))
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            let accepted = await self.accept(key: request.headers[.init("Idempotency-Key")!] ?? "", body: body)
            return Response(status: accepted ? .accepted : .serviceUnavailable)
        }
        router.get("/edxml") { _, _ in Report(deliveries: await self.deliveries, keys: await self.packages.keys.sorted()) }
        router.post("/down") { _, _ in
            await self.setDown(true)
            return HTTPResponse.Status.noContent
        }
        router.post("/up") { _, _ in
            await self.setDown(false)
            return HTTPResponse.Status.noContent
        }
        return router
    }
}
