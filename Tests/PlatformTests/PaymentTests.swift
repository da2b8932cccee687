import Audit
import Core
import Dossiers
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Server
import Testing

@Suite struct PaymentTests {
    static let gateway = PaymentGatewayConfig(
        gatewayURL: "/sandbox-gateway/pay",
        merchantCode: "CQSDEMO",
        secret: "a-test-secret-of-at-least-32-bytes!!",
        returnURL: "/payments/return"
    )

    static func query(_ url: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (url.split(separator: "?", maxSplits: 1).last ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return result
    }

    /// What the gateway would send back for an order.
    static func answer(to order: [String: String], code: String = "00", amount: String? = nil) -> [String: String] {
        var answer = [
            "vnp_TmnCode": "CQSDEMO", "vnp_Amount": amount ?? order["vnp_Amount"]!, "vnp_TxnRef": order["vnp_TxnRef"]!,
            "vnp_ResponseCode": code, "vnp_TransactionStatus": code == "00" ? "00" : "02", "vnp_TransactionNo": "14123456", "vnp_BankCode": "NCB",
        ]
        answer["vnp_SecureHash"] = PaymentSignature.sign(answer, secret: gateway.secret)
        return answer
    }

    @Test func signaturesFollowTheSortedParameterScheme() {
        let parameters = ["vnp_b": "2", "vnp_a": "x y", "vnp_SecureHash": "ignored", "vnp_empty": ""]
        #expect(PaymentSignature.canonical(parameters) == "vnp_a=x+y&vnp_b=2")
        var signed = parameters
        signed["vnp_SecureHash"] = PaymentSignature.sign(parameters, secret: "k")
        #expect(PaymentSignature.verify(signed, secret: "k"))
        signed["vnp_b"] = "3"
        #expect(!PaymentSignature.verify(signed, secret: "k"))
    }

    @Test func forgedOrReplayedCallbacksChangeNothing() async throws {
        try await TestEnvironment.withPlatform { platform in
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let dossier = try await platform.dossiers.create(
                NewDossier(
                    procedureCode: "2.000488",
                    agencyIdentifier: nil,
                    applicant: Applicant(fullName: "A", phone: "0912345678")
                ),
                attachments: try await requiredFiles(platform, "2.000488"),
                by: citizen,
                requestID: nil
            )
            await expectRefusal(.forbidden("Only the applicant can pay online")) {
                try await platform.dossiers.startPayment(
                    dossier.code,
                    gateway: Self.gateway,
                    clientAddress: "203.0.113.7",
                    by: counter,
                    requestID: nil
                )
            }
            let url = try await platform.dossiers.startPayment(
                dossier.code,
                gateway: Self.gateway,
                clientAddress: "203.0.113.7",
                by: citizen,
                requestID: nil
            )
            let order = Self.query(url)
            #expect(order["vnp_Amount"] == "20000000" && PaymentSignature.verify(order, secret: Self.gateway.secret))
            // Forged: parameters changed after signing; signed with another key; wrong amount; unknown order.
            var forged = Self.answer(to: order)
            forged["vnp_Amount"] = "100"
            #expect(try await platform.dossiers.handlePaymentCallback(forged, gateway: Self.gateway) == .invalidSignature)
            var otherKey = forged
            otherKey["vnp_SecureHash"] = PaymentSignature.sign(forged, secret: "another-secret-of-at-least-32-bytes")
            #expect(try await platform.dossiers.handlePaymentCallback(otherKey, gateway: Self.gateway) == .invalidSignature)
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: order, amount: "100"), gateway: Self.gateway) == .invalidAmount)
            var unknown = order
            unknown["vnp_TxnRef"] = "999"
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: unknown), gateway: Self.gateway) == .unknownOrder)
            #expect(try await platform.dossiers.payments(of: dossier.code, for: citizen).payments.map(\.status) == [.pending])
            // The real answer confirms once; its replay changes nothing.
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: order), gateway: Self.gateway) == .confirmed)
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: order), gateway: Self.gateway) == .alreadySettled)
            #expect(try await platform.dossiers.payments(of: dossier.code, for: citizen).payments.map(\.status) == [.paid])
            #expect(try await AuditLog.list(platform.database, page: PageRequest(), action: "payment.confirm").items.count == 1)
            await expectRefusal(.conflict("This dossier is already paid")) {
                try await platform.dossiers.startPayment(
                    dossier.code,
                    gateway: Self.gateway,
                    clientAddress: "203.0.113.7",
                    by: citizen,
                    requestID: nil
                )
            }
        }
    }

    @Test func paymentResumesADossierWaitingForIt() async throws {
        try await TestEnvironment.withPlatform { platform in
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let leader = try await platform.accounts.createStaff(
                NewStaffAccount(
                    username: "ld.tp",
                    password: "Mat khau 2026",
                    fullName: "LĐ",
                    roles: [.leader],
                    agencyIdentifier: "000.00.04.H19"
                ),
                by: .system(),
                requestID: nil
            ).principal
            let dossier = try await platform.dossiers.create(
                NewDossier(
                    procedureCode: "2.000488",
                    agencyIdentifier: nil,
                    applicant: Applicant(fullName: "A", phone: "0912345678")
                ),
                attachments: try await requiredFiles(platform, "2.000488"),
                by: citizen,
                requestID: nil
            )
            _ = try await platform.dossiers.perform(.receive, on: dossier.code, input: ActionInput(), by: counter, requestID: nil)
            _ = try await platform.dossiers.perform(.assign, on: dossier.code, input: ActionInput(assignee: "ld.tp"), by: leader, requestID: nil)
            _ = try await platform.dossiers.perform(
                .requestPayment,
                on: dossier.code,
                input: ActionInput(note: "Nộp phí 200.000 ₫"),
                by: leader,
                requestID: nil
            )
            let url = try await platform.dossiers.startPayment(
                dossier.code,
                gateway: Self.gateway,
                clientAddress: "203.0.113.7",
                by: citizen,
                requestID: nil
            )
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: Self.query(url)), gateway: Self.gateway) == .confirmed)
            let detail = try await platform.dossiers.detail(dossier.code, for: citizen)
            #expect(
                detail.dossier.status == .processing && detail.events.last?.action == "confirm_payment"
                    && detail.events.last?.actor == "payment-gateway"
            )
        }
    }

    @Test func citizenPaysThroughTheSandboxGateway() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let token = try await client.token(DemoData.citizen.phone)
            let created = try await client.submitDossier(
                #"{"procedureCode":"2.000488","applicant":{"fullName":"Nguyễn Thị Dân","phone":"0912345678"}}"#,
                token: token,
                platform: platform
            )
            let code = try #require(created.object?["code"] as? String)
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let page = try await citizen.get("/dossiers/\(code)")
            #expect(page.text.contains("200.000 ₫") && page.text.contains("/dossiers/\(code)/pay"))
            let started = try await citizen.post("/dossiers/\(code)/pay", form: ["_csrf": PageSession.csrf(in: page.text) ?? ""])
            let gatewayURL = try #require(started.headers[.location])
            #expect(gatewayURL.hasPrefix("/sandbox-gateway/pay?"))
            let gateway = try await citizen.get(gatewayURL)
            #expect(gateway.status == .ok && gateway.text.contains("200.000 ₫"))
            let tampered = try await citizen.get(gatewayURL.replacingOccurrences(of: "vnp_Amount=20000000", with: "vnp_Amount=100"))
            #expect(tampered.status == .badRequest)
            let query = String(gatewayURL.dropFirst("/sandbox-gateway/pay?".count))
            let paid = try await citizen.post(
                "/sandbox-gateway/pay",
                form: ["_csrf": PageSession.csrf(in: gateway.text) ?? "", "query": query, "decision": "pay"]
            )
            let back = try #require(paid.headers[.location])
            #expect(back.hasPrefix("/payments/return?"))
            let result = try await citizen.get(back)
            #expect(result.text.contains("Đã thanh toán thành công"))
            let after = try await citizen.get("/dossiers/\(code)")
            #expect(after.text.contains("Đã thanh toán") && !after.text.contains("/dossiers/\(code)/pay"))
            // A replayed notification is acknowledged as already confirmed; a forged one is refused.
            let replay = try await client.json("/api/v1/payments/callback?" + String(back.dropFirst("/payments/return?".count)))
            #expect(replay.object?["RspCode"] as? String == "02")
            let forged = try await client.json("/api/v1/payments/callback?vnp_TxnRef=1&vnp_Amount=100&vnp_ResponseCode=00&vnp_SecureHash=abcd")
            #expect(forged.object?["RspCode"] as? String == "97")
        }
    }

    @Test func theRequestCarriesWhatVNPAYRequiresAndTheIPNAnswersAsItsDemos() async throws {
        try await TestEnvironment.withPlatform { platform in
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            func dossier() async throws -> String {
                try await platform.dossiers.create(
                    NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Applicant(fullName: "A", phone: "0912345678")),
                    attachments: try await requiredFiles(platform, "2.000488"),
                    by: citizen,
                    requestID: nil
                ).code
            }
            let order = Self.query(
                try await platform.dossiers.startPayment(
                    try await dossier(),
                    gateway: Self.gateway,
                    clientAddress: "203.0.113.7",
                    by: citizen,
                    requestID: nil
                )
            )
            // vnp_IpAddr is the citizen's address; the order expires 15 minutes after it was made, both with their seconds.
            #expect(order["vnp_IpAddr"] == "203.0.113.7" && order["vnp_Version"] == "2.1.0" && order["vnp_Command"] == "pay")
            let created = try #require(order["vnp_CreateDate"])
            let expires = try #require(order["vnp_ExpireDate"])
            let format = DateFormatter()
            format.dateFormat = "yyyyMMddHHmmss"
            format.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
            let span = try #require(format.date(from: expires)).timeIntervalSince(try #require(format.date(from: created)))
            #expect(created.count == 14 && span == 15 * 60, "\(created) → \(expires)")
            // The hash is the one VNPAY's PHP demo computes (ksort, urlencode, HMAC-SHA512), here in Python.
            let script =
                "import sys, json, hmac, hashlib, urllib.parse as u; p = json.load(sys.stdin); "
                + "d = '&'.join(u.quote_plus(k) + '=' + u.quote_plus(v) for k, v in sorted(p.items()) if k.startswith('vnp_') and k not in ('vnp_SecureHash', 'vnp_SecureHashType') and v); "
                + "print(hmac.new(sys.argv[1].encode(), d.encode(), hashlib.sha512).hexdigest())"
            let (status, output) = try runTool(
                "/usr/bin/env",
                ["python3", "-c", script, Self.gateway.secret],
                input: try JSONSerialization.data(withJSONObject: order.filter { $0.key != "vnp_SecureHash" })
            )
            #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == order["vnp_SecureHash"], "\(output)")
            // The IPN: a parameter of the registered URL's own query does not spoil the hash.
            var notification = Self.answer(to: order, code: "24")
            notification["province"] = "dongnai"
            #expect(try await platform.dossiers.handlePaymentCallback(notification, gateway: Self.gateway) == .failed)
            // An order already settled (failed here) answers 02, so the gateway knows it was not taken.
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: order), gateway: Self.gateway) == .alreadySettled)
            #expect(PaymentCallbackResult.alreadySettled.responseCode == "02" && PaymentCallbackResult.error.responseCode == "99")
            // Without vnp_TransactionStatus the payment is not taken for paid.
            let second = Self.query(
                try await platform.dossiers.startPayment(try await dossier(), gateway: Self.gateway, clientAddress: nil, by: citizen, requestID: nil)
            )
            var partial = Self.answer(to: second)
            partial["vnp_TransactionStatus"] = nil
            partial["vnp_SecureHash"] = PaymentSignature.sign(partial, secret: Self.gateway.secret)
            #expect(try await platform.dossiers.handlePaymentCallback(partial, gateway: Self.gateway) == .failed)
            // The gateway's confirmation is audited as a system actor, not as a citizen.
            let third = Self.query(
                try await platform.dossiers.startPayment(try await dossier(), gateway: Self.gateway, clientAddress: nil, by: citizen, requestID: nil)
            )
            #expect(try await platform.dossiers.handlePaymentCallback(Self.answer(to: third), gateway: Self.gateway) == .confirmed)
            #expect(try await AuditLog.list(platform.database, page: PageRequest(), action: "payment.confirm").items.first?.actorRole == "system")
        }
    }

    @Test func theSandboxIsOnlyWhereItIsEnabledAndNeverInProduction() async throws {
        var production = AppConfig()
        production.demoData = false
        #expect(!production.sandboxPayments)
        production.paymentSandbox = true
        #expect(throws: (any Error).self) { try production.checkPayments() }
        var real = AppConfig()
        real.paymentGatewayURL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
        real.paymentSecret = "a-test-secret-of-at-least-32-bytes!!"
        real.paymentMerchant = "DONGNAI1"
        #expect(throws: (any Error).self) { try real.checkPayments() }  // no absolute return URL
        real.paymentReturnURL = "/payments/return"
        #expect(throws: (any Error).self) { try real.checkPayments() }
        real.paymentReturnURL = "https://dichvucong.dongnai.gov.vn/payments/return"
        try real.checkPayments()
        #expect(!real.sandboxPayments)
        // Switched off: the self-payment journey has nowhere to go, and the IPN answers 99.
        try await TestEnvironment.withApp(
            configure: { $0.paymentSandbox = false },
            { client, platform, _ in
                let token = try await client.token(DemoData.citizen.phone)
                let created = try await client.submitDossier(
                    #"{"procedureCode":"2.000488","applicant":{"fullName":"Nguyễn Thị Dân","phone":"0912345678"}}"#,
                    token: token,
                    platform: platform
                )
                let code = try #require(created.object?["code"] as? String)
                #expect(try await client.json("/api/v1/dossiers/\(code)/payments", method: .post, token: token).status == .conflict)
                var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
                let page = try await citizen.get("/dossiers/\(code)")
                #expect(
                    try await citizen.post(
                        "/sandbox-gateway/pay",
                        form: ["_csrf": PageSession.csrf(in: page.text) ?? "", "query": "vnp_TxnRef=1", "decision": "pay"]
                    ).status == .notFound
                )
                #expect(try await client.json("/api/v1/payments/callback?vnp_TxnRef=1").object?["RspCode"] as? String == "99")
            }
        )
    }
}
