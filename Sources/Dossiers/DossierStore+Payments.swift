import Audit
import Core
import Foundation
import SQLKit
import Storage

/// A payment attempt for a dossier's fees.
public struct Payment: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case pending, paid, failed }
    public let txnRef: String
    public let amount: Int64
    public let status: Status
    public let gatewayTxn: String?
    public let createdAt: Int64
    public let paidAt: Int64?
}

/// What a gateway callback did.
public enum PaymentCallbackResult: String, Sendable {
    case confirmed, failed, alreadySettled, invalidSignature, unknownOrder, invalidAmount, error

    /// The acknowledgement code the gateway expects (VNPAY's `RspCode`): 02 for any order no
    /// longer pending (paid or failed), 99 when the platform could not handle it.
    public var responseCode: String {
        switch self {
        case .confirmed, .failed: "00"
        case .alreadySettled: "02"
        case .invalidSignature: "97"
        case .unknownOrder: "01"
        case .invalidAmount: "04"
        case .error: "99"
        }
    }
}

extension DossierStore {
    /// The fees due on a dossier, from the procedure at submission.
    static func amountDue(_ row: DossierRow) -> Int64 {
        feeLines(row).reduce(0) { $0 + $1.amount }
    }

    /// Starts an online payment of the dossier's fees by its applicant; returns the gateway URL
    /// (signed) to send the browser to.
    public func startPayment(
        _ code: String,
        gateway: PaymentGatewayConfig,
        clientAddress: String?,
        by principal: Principal,
        requestID: String?
    ) async throws -> String {
        let now = clock.millis()
        let clock = clock
        let txnRef = "\(now)\(Int.random(in: 100_000...999_999))"
        let (amount, dossierCode) = try await database.transaction { db -> (Int64, String) in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            guard row.ownerUserId != nil, row.ownerUserId == principal.userID else {
                throw DomainError.forbidden(messageVi: "Chỉ chủ hồ sơ thanh toán trực tuyến", messageEn: "Only the applicant can pay online")
            }
            let amount = Self.amountDue(row)
            guard amount > 0, !row.statusValue.isFinal else {
                throw DomainError.conflict(messageVi: "Hồ sơ không có khoản phí cần nộp", messageEn: "Nothing to pay for this dossier")
            }
            let paid = try await db.select().column("id").from("dossier_payments").where("dossier_id", .equal, row.id)
                .where("status", .equal, Payment.Status.paid.rawValue).first()
            guard paid == nil else { throw DomainError.conflict(messageVi: "Hồ sơ đã được thanh toán", messageEn: "This dossier is already paid") }
            try await db.insert(into: "dossier_payments").columns("dossier_id", "txn_ref", "amount", "status", "created_at")
                .values(SQLBind(row.id), SQLBind(txnRef), SQLBind(amount), SQLBind(Payment.Status.pending.rawValue), SQLBind(now)).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "payment.start",
                    targetType: "dossier",
                    targetID: code,
                    requestID: requestID,
                    change: ["txnRef": txnRef, "amount": String(amount)]
                ),
                on: db,
                clock: clock
            )
            return (amount, row.code)
        }
        let parameters = [
            "vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_TmnCode": gateway.merchantCode, "vnp_Amount": String(amount * 100),
            "vnp_CurrCode": "VND", "vnp_TxnRef": txnRef, "vnp_OrderInfo": "Nop phi ho so \(dossierCode)", "vnp_OrderType": "other",
            "vnp_Locale": "vn", "vnp_ReturnUrl": gateway.returnURL, "vnp_CreateDate": NationalRecord.date(now),
            "vnp_ExpireDate": NationalRecord.date(now + Int64(gateway.expiry * 1000)), "vnp_IpAddr": clientAddress ?? "127.0.0.1",
        ]
        return gateway.gatewayURL + (gateway.gatewayURL.contains("?") ? "&" : "?") + PaymentSignature.query(parameters, secret: gateway.secret)
    }

    /// Handles the gateway's server-to-server callback. Nothing changes unless the signature is
    /// right, the order is known and the amount matches; a replay of a confirmed payment is
    /// acknowledged without changing anything. A confirmed payment resumes a dossier that was
    /// waiting for it.
    public func handlePaymentCallback(_ parameters: [String: String], gateway: PaymentGatewayConfig) async throws -> PaymentCallbackResult {
        guard PaymentSignature.verify(parameters, secret: gateway.secret) else { return .invalidSignature }
        guard let txnRef = parameters["vnp_TxnRef"], let amountText = parameters["vnp_Amount"], let amount = Int64(amountText) else {
            return .unknownOrder
        }
        // Both the answer and the transaction's own status must say so.
        let success = parameters["vnp_ResponseCode"] == "00" && parameters["vnp_TransactionStatus"] == "00"
        let workingCalendar = try await calendar.workingCalendar()
        let now = clock.millis()
        let clock = clock
        return try await database.transaction { db in
            guard
                let payment = try await db.select().columns("id", "dossier_id", "amount", "status").from("dossier_payments")
                    .where("txn_ref", .equal, txnRef).first()
            else { return .unknownOrder }
            guard try payment.decode(column: "amount", as: Int64.self) * 100 == amount else { return .invalidAmount }
            let status = try payment.decode(column: "status", as: String.self)
            guard status == Payment.Status.pending.rawValue else { return .alreadySettled }
            let dossierID = try payment.decode(column: "dossier_id", as: Int64.self)
            guard
                let code = try await db.select().column("code").from("dossiers").where("id", .equal, dossierID).first()?.decode(
                    column: "code",
                    as: String.self
                ),
                let row = try await DossierRow.load(code: code, db)
            else { return .unknownOrder }
            let gateway = Principal(userID: nil, username: "payment-gateway", roles: [], agency: nil)
            try await db.update("dossier_payments").set("status", to: (success ? Payment.Status.paid : .failed).rawValue)
                .set("gateway_txn", to: parameters["vnp_TransactionNo"]).set("paid_at", to: success ? now : nil)
                .where("txn_ref", .equal, txnRef).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: gateway,
                    action: success ? "payment.confirm" : "payment.fail",
                    targetType: "dossier",
                    targetID: code,
                    requestID: nil,
                    change: ["txnRef": txnRef, "gatewayTxn": parameters["vnp_TransactionNo"] ?? ""]
                ),
                on: db,
                clock: clock
            )
            if success && row.statusValue == .awaitingPayment {
                // The obligation is met: the clock resumes as after a supplement.
                let target = row.resumeStatus.flatMap(DossierStatus.init) ?? .processing
                let update = db.update("dossiers").set("status", to: target.rawValue).set("paused_at", to: Int64?.none).set(
                    "resume_status",
                    to: String?.none
                )
                .set("version", to: row.version + 1).set("updated_at", to: now)
                if let moved = Self.resumedDeadline(row, now: Date(epochMillis: now), calendar: workingCalendar) {
                    update.set("due_at", to: moved.dueAt).set("paused_days", to: moved.pausedDays)
                }
                try await update.where("id", .equal, row.id).run()
                if let pausedAt = row.pausedAt {
                    try await Self.movePartDue(
                        of: row.id,
                        { Self.resumed($0, pausedAt: pausedAt, now: Date(epochMillis: now), calendar: workingCalendar).dueAt },
                        db
                    )
                }
                try await Self.recordEvent(
                    id: row.id,
                    code: code,
                    action: DossierAction.confirmPayment.rawValue,
                    from: .awaitingPayment,
                    to: target,
                    principal: gateway,
                    note: "Thanh toán trực tuyến \(txnRef)",
                    now: Date(epochMillis: now),
                    db
                )
            }
            return success ? .confirmed : .failed
        }
    }

    /// The payments of a dossier, for those who may read it.
    public func payments(of code: String, for principal: Principal) async throws -> (due: Int64, payments: [Payment]) {
        try await database.read { db in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            let payments = try await db.select().columns("txn_ref", "amount", "status", "gateway_txn", "created_at", "paid_at").from(
                "dossier_payments"
            )
            .where("dossier_id", .equal, row.id).orderBy("id").all(decoding: Payment.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (Self.amountDue(row), payments)
        }
    }
}
