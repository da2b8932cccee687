import Core
import Dossiers
import Foundation
import Hummingbird
import HummingbirdCore

/// Online fee payment: start (API and page), the gateway's callback, the return page, and the
/// built-in sandbox gateway that signs its answers with the same shared secret.
public struct PaymentPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let sandboxPath = PaymentGatewayConfig.sandboxPath

    /// The configured gateway; without one, online payment is not offered (409).
    func gateway() async throws -> PaymentGatewayConfig {
        guard let gateway = try await services.paymentGateway() else {
            throw DomainError.conflict(
                messageVi: "Chưa cấu hình cổng thanh toán trực tuyến; vui lòng nộp phí tại bộ phận một cửa",
                messageEn: "Online payment is not configured; pay at the one-stop desk"
            )
        }
        return gateway
    }

    /// The sandbox gateway, where it is enabled; elsewhere its pages do not exist.
    func sandbox() async throws -> PaymentGatewayConfig {
        guard let gateway = try await services.paymentGateway(), gateway.sandbox else { throw DomainError.notFound(what: Self.sandboxPath) }
        return gateway
    }

    struct Started: Encodable, Sendable { let redirectUrl: String }
    /// VNPAY's IPN answer, with its field names.
    struct Acknowledgement: Encodable, Sendable {
        let rspCode: String
        let message: String

        enum CodingKeys: String, CodingKey {
            case rspCode = "RspCode"
            case message = "Message"
        }
    }

    /// All query parameters, decoded as forms are.
    static func parameters(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { URI.formDecoded(s) ?? "" }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.post("/api/v1/dossiers/:code/payments", .signedIn) { request, context in
            let url = try await services.dossiers.startPayment(
                try context.parameters.require("code"),
                gateway: try await gateway(),
                clientAddress: context.clientAddress,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(Started(redirectUrl: url), status: .created)
        }
        routes.post("/dossiers/:code/pay", .signedIn) { request, context in
            let url = try await services.dossiers.startPayment(
                try context.parameters.require("code"),
                gateway: try await gateway(),
                clientAddress: context.clientAddress,
                by: context.principal,
                requestID: context.requestID
            )
            return Response.redirect(to: url, type: .normal)
        }
        routes.get("/api/v1/payments/callback", .everyone) { request, context in
            // The gateway's server-to-server notification (IPN): always a JSON answer, 99 on any failure.
            let result: PaymentCallbackResult
            do {
                result = try await services.dossiers.handlePaymentCallback(Self.parameters(request.uri.query), gateway: try await gateway())
            } catch {
                context.logger.error("payment callback failed", metadata: ["error": "\(error)"])
                result = .error
            }
            context.logger.info("payment callback", metadata: ["result": "\(result.rawValue)"])
            return JSONResponse(Acknowledgement(rspCode: result.responseCode, message: result.rawValue))
        }
        routes.get("/payments/return", .everyone) { request, context in
            let parameters = Self.parameters(request.uri.query)
            let valid = PaymentSignature.verify(parameters, secret: try await gateway().secret)
            let paid = valid && parameters["vnp_ResponseCode"] == "00"
            return try services.pages.render(
                "payment-return",
                titleKey: "payment",
                page: DossierViews.PaymentReturn(
                    paid: paid,
                    invalid: !valid,
                    amount: Money.vnd((Int64(parameters["vnp_Amount"] ?? "") ?? 0) / 100),
                    order: parameters["vnp_OrderInfo"] ?? ""
                ),
                request: request,
                context: context,
                status: valid ? .ok : .badRequest
            )
        }
        routes.get(Self.sandboxPath, .everyone) { request, context in
            let gateway = try await sandbox()
            let parameters = Self.parameters(request.uri.query)
            guard PaymentSignature.verify(parameters, secret: gateway.secret) else {
                throw Problem(
                    status: .badRequest,
                    slug: "bad-signature",
                    detailVi: "Chữ ký yêu cầu thanh toán không hợp lệ",
                    detailEn: "Invalid payment request signature",
                    language: context.language
                )
            }
            return try services.pages.render(
                "sandbox-gateway",
                titleKey: "sandboxGateway",
                page: DossierViews.SandboxPayment(
                    amount: Money.vnd((Int64(parameters["vnp_Amount"] ?? "") ?? 0) / 100),
                    order: parameters["vnp_OrderInfo"] ?? "",
                    query: request.uri.query ?? ""
                ),
                request: request,
                context: context
            )
        }
        routes.post(Self.sandboxPath, .everyone) { request, context in
            let gateway = try await sandbox()
            let form = try await Form.read(request)
            let order = Self.parameters(form["query"])
            guard PaymentSignature.verify(order, secret: gateway.secret) else {
                throw Problem(
                    status: .badRequest,
                    slug: "bad-signature",
                    detailVi: "Chữ ký yêu cầu thanh toán không hợp lệ",
                    detailEn: "Invalid payment request signature",
                    language: context.language
                )
            }
            let approved = form["decision"] == "pay"
            var answer = [
                "vnp_TmnCode": order["vnp_TmnCode"] ?? "", "vnp_Amount": order["vnp_Amount"] ?? "", "vnp_TxnRef": order["vnp_TxnRef"] ?? "",
                "vnp_OrderInfo": order["vnp_OrderInfo"] ?? "", "vnp_BankCode": "NCB", "vnp_PayDate": NationalRecord.date(Date().epochMillis),
                "vnp_ResponseCode": approved ? "00" : "24", "vnp_TransactionStatus": approved ? "00" : "02",
                "vnp_TransactionNo": String(Int.random(in: 10_000_000...99_999_999)),
            ]
            answer[PaymentSignature.hashField] = PaymentSignature.sign(answer, secret: gateway.secret)
            // The gateway's server-to-server notification, then the browser's way back.
            _ = try await services.dossiers.handlePaymentCallback(answer, gateway: gateway)
            let returnURL = order["vnp_ReturnUrl"] ?? gateway.returnURL
            return Response.redirect(
                to: returnURL + "?" + PaymentSignature.query(answer.filter { $0.key != PaymentSignature.hashField }, secret: gateway.secret),
                type: .normal
            )
        }
    }
}
