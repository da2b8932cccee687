import Core
import Delivery
import Foundation
import Hummingbird

/// The delivery outbox for administrators: state by topic, messages, retry.
public struct OutboxAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/outbox", .permission(.systemAdmin)) { request, context in
            let page = try await Outbox.list(
                services.database,
                topic: request.uri.stringParameter("topic"),
                status: try request.uri.caseParameter("status", as: OutboxMessage.Status.self),
                page: try request.uri.pageRequest()
            )
            return JSONResponse(page)
        }
        routes.post("/api/v1/outbox/:id/retry", .permission(.systemAdmin)) { request, context in
            try await retry(context)
            return Response(status: .noContent)
        }
        routes.get("/admin/outbox", .permission(.systemAdmin)) { request, context in
            let summary = try await Outbox.summary(services.database)
            let status = try request.uri.caseParameter("status", as: OutboxMessage.Status.self)
            let page = try await Outbox.list(services.database, topic: nil, status: status, page: try request.uri.pageRequest())
            let t = Strings.all(context.language)
            let topics = summary.keys.sorted().map { topic in
                let counts = summary[topic] ?? [:]
                return OutboxPage.Topic(
                    topic: t["topic_\(topic)"] ?? topic,
                    pending: counts["pending"] ?? 0,
                    failed: counts["failed"] ?? 0,
                    delivered: counts["delivered"] ?? 0
                )
            }
            let rows = page.items.map { m in
                OutboxPage.Row(
                    id: m.id,
                    topic: t["topic_\(m.topic)"] ?? m.topic,
                    key: m.dedupeKey,
                    status: t["outbox_\(m.status.rawValue)"] ?? m.status.rawValue,
                    attempts: m.attempts,
                    error: m.lastError,
                    created: VietnamTime.display(Date(epochMillis: m.createdAt)),
                    retryable: m.status != .delivered
                )
            }
            return try services.pages.render(
                "outbox",
                titleKey: "outbox",
                page: OutboxPage(
                    topics: topics,
                    rows: rows,
                    next: page.nextCursor.map { "/admin/outbox?cursor=\($0)" + (status.map { "&status=\($0.rawValue)" } ?? "") }
                ),
                request: request,
                context: context
            )
        }
        routes.post("/admin/outbox/:id/retry", .permission(.systemAdmin)) { request, context in
            try await retry(context)
            return Response.redirect(to: "/admin/outbox", type: .normal)
        }
    }

    func retry(_ context: SignedInContext) async throws {
        guard let id = Int64(try context.parameters.require("id")),
            try await Outbox.retry(id, database: services.database, by: context.principal, requestID: context.requestID)
        else {
            throw DomainError.notFound(what: "undelivered message \(try context.parameters.require("id"))")
        }
    }
}

/// The outbox administration page: counts per topic and the messages, failed ones retryable.
struct OutboxPage {
    struct Topic {
        let topic: String
        let pending: Int
        let failed: Int
        let delivered: Int
    }

    struct Row {
        let id: Int64
        let topic: String
        let key: String
        let status: String
        let attempts: Int
        let error: String?
        let created: String
        let retryable: Bool
    }

    let topics: [Topic]
    let rows: [Row]
    let next: String?
}
