import Core
import Foundation
import Hummingbird
import Storage

/// An RFC 9457 problem document with the message in Vietnamese and English.
public struct Problem: Codable, Sendable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The English form of `detail` (`detail` follows the request's language).
    public var detailEn: String
    public var instance: String?
    public var requestId: String?
    public var errors: [ValidationError]?
    public var retryAfter: Int?

    public init(
        status: HTTPResponse.Status,
        slug: String,
        detailVi: String,
        detailEn: String,
        language: Language = .vi,
        errors: [ValidationError]? = nil
    ) {
        self.type = "urn:chinhquyenso:problem:\(slug)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = language == .vi ? detailVi : detailEn
        self.detailEn = detailEn
        self.errors = errors
    }

    /// What a form shows: each field's message in `language`, or the detail when there are none.
    public func messages(_ language: Language) -> [String] {
        let fields = (errors ?? []).map { language == .vi ? $0.messageVi : $0.messageEn }
        return fields.isEmpty ? [detail] : fields
    }

    /// The problem's status as an HTTP response status.
    public var httpStatus: HTTPResponse.Status { HTTPResponse.Status(code: status) }

    /// Maps any error to a problem. Unknown errors become a 500 without internals.
    public static func from(_ error: any Error, language: Language) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as DomainError:
            return from(domain: error, language: language)
        case let error as ValidationError:
            return Problem(
                status: .unprocessableContent,
                slug: "invalid",
                detailVi: error.messageVi,
                detailEn: error.messageEn,
                language: language,
                errors: [error]
            )
        case let error as StorageError where error == .unavailable || error == .closed:
            return Problem(
                status: .serviceUnavailable,
                slug: "unavailable",
                detailVi: "Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại",
                detailEn: "The database is temporarily unavailable, please retry",
                language: language
            )
        case let error as any HTTPResponseError:
            return fromHTTP(status: error.status, language: language)
        default:
            if StorageError.isConnectionFailure(error) {
                return from(StorageError.unavailable, language: language)
            }
            return Problem(
                status: .internalServerError,
                slug: "internal",
                detailVi: "Lỗi hệ thống, đã ghi nhận để xử lý",
                detailEn: "Internal error; it has been logged",
                language: language
            )
        }
    }

    static func from(domain error: DomainError, language: Language) -> Problem {
        switch error {
        case .invalid(let errors):
            let first = errors.first
            return Problem(
                status: .unprocessableContent,
                slug: "invalid",
                detailVi: errors.count == 1 ? first!.messageVi : "Dữ liệu không hợp lệ (\(errors.count) lỗi)",
                detailEn: errors.count == 1 ? first!.messageEn : "Invalid input (\(errors.count) errors)",
                language: language,
                errors: errors
            )
        case .notFound(let what):
            return Problem(
                status: .notFound,
                slug: "not-found",
                detailVi: "Không tìm thấy: \(what)",
                detailEn: "Not found: \(what)",
                language: language
            )
        case .conflict(let vi, let en):
            return Problem(status: .conflict, slug: "conflict", detailVi: vi, detailEn: en, language: language)
        case .unauthenticated(let vi, let en):
            return Problem(status: .unauthorized, slug: "unauthenticated", detailVi: vi, detailEn: en, language: language)
        case .forbidden(let vi, let en):
            return Problem(status: .forbidden, slug: "forbidden", detailVi: vi, detailEn: en, language: language)
        case .tooManyRequests(let wait, let vi, let en):
            var problem = Problem(status: .tooManyRequests, slug: "too-many-requests", detailVi: vi, detailEn: en, language: language)
            problem.retryAfter = wait
            return problem
        }
    }

    static func fromHTTP(status: HTTPResponse.Status, language: Language) -> Problem {
        switch status {
        case .notFound:
            return Problem(
                status: .notFound,
                slug: "not-found",
                detailVi: "Không có trang hoặc tài nguyên này",
                detailEn: "No such page or resource",
                language: language
            )
        case .contentTooLarge:
            return Problem(
                status: .contentTooLarge,
                slug: "too-large",
                detailVi: "Nội dung gửi lên quá lớn",
                detailEn: "Request body too large",
                language: language
            )
        case .methodNotAllowed:
            return Problem(
                status: .methodNotAllowed,
                slug: "method-not-allowed",
                detailVi: "Phương thức không được hỗ trợ",
                detailEn: "Method not allowed",
                language: language
            )
        case .badRequest:
            return Problem(status: .badRequest, slug: "bad-request", detailVi: "Yêu cầu không hợp lệ", detailEn: "Bad request", language: language)
        default:
            return Problem(
                status: status,
                slug: "http-\(status.code)",
                detailVi: status.reasonPhrase,
                detailEn: status.reasonPhrase,
                language: language
            )
        }
    }

    public static let unauthenticated = DomainError.unauthenticated(messageVi: "Bạn cần đăng nhập", messageEn: "Sign-in required")
    public static let forbidden = DomainError.forbidden(
        messageVi: "Bạn không có quyền thực hiện thao tác này",
        messageEn: "You are not allowed to do this"
    )

    /// The problem as an `application/problem+json` response.
    public func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
