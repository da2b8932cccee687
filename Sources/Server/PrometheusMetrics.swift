import Core
import Hummingbird
import Prometheus
import Storage
import Web

/// Request counts and latencies by route, and database pool occupancy, in a registry owned by
/// the application (not the process-global metrics system), exposed at `/metrics`.
public struct PrometheusMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {}

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "HTTP requests by method, route and status")
    }
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route")
    }
    static var pool: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "db_pool_connections", unitName: "", helpText: "Database pool connections by state")
    }
    static var poolMax: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "db_pool_connections_max", unitName: "", helpText: "Database pool size")
    }
    static var up: MetricNameDescriptor { MetricNameDescriptor(metricName: "db_up", unitName: "", helpText: "1 when the database answers") }

    /// The middleware that records every request under its route pattern (bounded labels).
    public var middleware: Middleware { Middleware(registry: registry) }

    public struct Middleware: RouterMiddleware {
        public typealias Context = AppRequestContext
        let registry: PrometheusCollectorRegistry

        public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let start = ContinuousClock.now
            var status = 500
            defer {
                let route = context.endpointPath ?? "unmatched"
                let labels = [("method", request.method.rawValue), ("route", route)]
                registry.makeCounter(descriptor: PrometheusMetrics.requests, labels: labels + [("status", String(status))]).increment()
                registry.makeDurationHistogram(descriptor: PrometheusMetrics.duration, labels: labels, buckets: PrometheusMetrics.buckets)
                    .record(ContinuousClock.now - start)
            }
            let response = try await next(request, context)
            status = response.status.code
            return response
        }
    }

    /// Adds `GET /metrics`.
    public func addRoutes(to routes: RouteBuilder, database: Database, access: MetricsAccess) {
        let registry = registry
        routes.get("/metrics", .everyone) { request, context in
            guard access.allows(address: context.clientAddress, authorization: request.headers[.authorization]) else {
                throw DomainError.forbidden(
                    messageVi: "Chỉ địa chỉ nội bộ hoặc có mã truy cập được xem số liệu vận hành",
                    messageEn: "Metrics are for internal addresses or holders of the metrics token"
                )
            }
            if let stats = await database.poolStats() {
                registry.makeGauge(descriptor: Self.pool, labels: [("state", "in_use")]).set(Double(stats.inUse))
                registry.makeGauge(descriptor: Self.pool, labels: [("state", "idle")]).set(Double(stats.idle))
                registry.makeGauge(descriptor: Self.poolMax).set(Double(stats.max))
            }
            let up: Double = await database.ping() ? 1 : 0
            registry.makeGauge(descriptor: Self.up).set(up)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }
}

/// Who may read `/metrics`: configured internal addresses (default: this machine) or a bearer of
/// `CQS_METRICS_TOKEN`.
public struct MetricsAccess: Sendable {
    public var addresses: TrustedProxies
    public var token: String?

    public init(addresses: TrustedProxies, token: String?) {
        self.addresses = addresses
        self.token = token
    }

    func allows(address: String, authorization: String?) -> Bool {
        // "local": an in-process request with no network peer (tests).
        if address == "local" || addresses.trusts(address) { return true }
        guard let token, !token.isEmpty, let authorization, authorization.hasPrefix("Bearer ") else { return false }
        return ConstantTime.equal(String(authorization.dropFirst(7)), token)
    }
}
