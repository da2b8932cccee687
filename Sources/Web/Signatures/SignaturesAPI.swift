import Core
import Foundation
import Hummingbird
import Signatures

/// Signing and verifying files (detached CMS), and the authority's certificate.
public struct SignaturesAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let limit = 40 * 1024 * 1024

    struct SignRequest: Decodable, KnownFields {
        /// The file, base64.
        let content: String
        /// `self` (the caller's certificate, default) or `agency` (the agency's, for clerks and leaders).
        let signAs: String?
        static let fieldNames: Set<String> = ["content", "signAs"]
    }

    struct SignResponse: Encodable, Sendable {
        let signature: String
        let certificateSerial: String
        let signer: String
    }

    struct VerifyRequest: Decodable, KnownFields {
        let content: String
        let signature: String
        static let fieldNames: Set<String> = ["content", "signature"]
    }

    struct IssueRequest: Decodable, KnownFields {
        let kind: CertificateKind
        let owner: String
        let commonName: String
        let organization: String
        let algorithm: KeyAlgorithm
        static let fieldNames: Set<String> = ["kind", "owner", "commonName", "organization", "algorithm"]
    }

    struct RevokeRequest: Decodable, KnownFields {
        let reason: String
        static let fieldNames: Set<String> = ["reason"]
    }

    static func base64(_ text: String, field: String) throws -> Data {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw DomainError.invalid(field, "\(field) phải là base64", "\(field) must be base64")
        }
        return data
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.post("/api/v1/signatures/sign", .signedIn) { request, context in
            let body = try await RequestBody.json(SignRequest.self, from: request, context: context, limit: Self.limit)
            let principal = context.principal
            guard principal.roles.contains(where: \.isStaffRole) else {
                throw DomainError.forbidden(messageVi: "Chỉ cán bộ được ký số", messageEn: "Only staff can sign")
            }
            var owner = principal.username
            if body.signAs == "agency" {
                guard let agency = principal.agency, !principal.roles.isDisjoint(with: [.clerk, .leader]) else {
                    throw DomainError.forbidden(
                        messageVi: "Chỉ văn thư, lãnh đạo được ký bằng chứng thư cơ quan",
                        messageEn: "Only clerks and leaders sign with the agency's certificate"
                    )
                }
                owner = agency
            }
            let (signature, certificate) = try await services.certificates.sign(
                try Self.base64(body.content, field: "content"),
                as: owner,
                by: principal,
                requestID: context.requestID
            )
            return JSONResponse(
                SignResponse(signature: Data(signature).base64EncodedString(), certificateSerial: certificate.serial, signer: certificate.subject)
            )
        }
        routes.post("/api/v1/signatures/verify", .signedIn) { request, context in
            let body = try await RequestBody.json(VerifyRequest.self, from: request, context: context, limit: Self.limit)
            let report = try await services.certificates.verify(
                try Self.base64(body.signature, field: "signature"),
                content: try Self.base64(body.content, field: "content")
            )
            return JSONResponse(report)
        }
        routes.get("/api/v1/pki/authority", .everyone) { _, _ in
            guard let authority = try await services.certificates.authority() else { throw DomainError.notFound(what: "certificate authority") }
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-pem-file", .contentDisposition: "attachment; filename=\"ca.pem\""],
                body: .init(byteBuffer: ByteBuffer(string: authority.pem))
            )
        }
        routes.post("/api/v1/pki/certificates", .permission(.systemAdmin)) { request, context in
            let body = try await RequestBody.json(IssueRequest.self, from: request, context: context)
            let issued = try await services.certificates.issue(
                kind: body.kind,
                owner: body.owner,
                commonName: body.commonName,
                organization: body.organization,
                algorithm: body.algorithm,
                by: context.principal
            )
            return JSONResponse(issued, status: .created)
        }
        routes.post("/api/v1/pki/certificates/:serial/revoke", .permission(.systemAdmin)) { request, context in
            let body = try await RequestBody.json(RevokeRequest.self, from: request, context: context)
            try await services.certificates.revoke(serial: try context.parameters.require("serial"), reason: body.reason, by: context.principal)
            return Response(status: .noContent)
        }
    }
}
