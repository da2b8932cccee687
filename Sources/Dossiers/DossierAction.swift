import Core

/// What can be done to a dossier after it exists.
public enum DossierAction: String, Codable, Sendable, CaseIterable {
    case receive
    case refuse
    case assign
    case forward
    case requestSupplement = "request_supplement"
    case supplement
    case requestPayment = "request_payment"
    case confirmPayment = "confirm_payment"
    case approve
    case reject
    case stop
    case withdraw
    case recordResult = "record_result"
    case returnResult = "return_result"
    case extendDeadline = "extend_deadline"

    /// How prominently a page offers the action: the step's way forward, a side step, or an end.
    public enum Emphasis: String, Sendable {
        case primary, secondary, destructive
    }

    public var emphasis: Emphasis {
        switch self {
        case .receive, .forward, .approve, .supplement, .confirmPayment, .recordResult, .returnResult: .primary
        case .assign, .requestSupplement, .requestPayment, .extendDeadline: .secondary
        case .refuse, .reject, .stop, .withdraw: .destructive
        }
    }

    /// Whether the action ends the dossier for good, so that it is confirmed on a second page.
    public var needsConfirmation: Bool { emphasis == .destructive }

    /// What confirming the action means for the applicant.
    public var consequenceVi: String {
        switch self {
        case .withdraw: "Hồ sơ sẽ không được giải quyết tiếp. Muốn giải quyết lại, ông/bà phải nộp hồ sơ mới."
        case .refuse: "Hồ sơ không được tiếp nhận; người nộp nhận được lý do và phải nộp hồ sơ mới."
        case .reject: "Hồ sơ bị từ chối giải quyết; người nộp nhận được lý do. Không thể hoàn tác."
        case .stop: "Việc xử lý hồ sơ dừng hẳn; người nộp nhận được lý do. Không thể hoàn tác."
        default: ""
        }
    }

    public var consequenceEn: String {
        switch self {
        case .withdraw: "The dossier will not be processed further. To have it processed, submit a new dossier."
        case .refuse: "The dossier is not received; the applicant is told why and must submit a new one."
        case .reject: "The dossier is rejected; the applicant is told why. This cannot be undone."
        case .stop: "Processing stops for good; the applicant is told why. This cannot be undone."
        default: ""
        }
    }

    /// Whether the action needs a note (a reason the applicant will read).
    public var requiresNote: Bool {
        [.refuse, .requestSupplement, .requestPayment, .reject, .stop, .extendDeadline].contains(self)
    }

    public var nameVi: String {
        switch self {
        case .receive: "Tiếp nhận"
        case .refuse: "Từ chối tiếp nhận"
        case .assign: "Phân công xử lý"
        case .forward: "Chuyển bước tiếp theo"
        case .requestSupplement: "Yêu cầu bổ sung"
        case .supplement: "Bổ sung hồ sơ"
        case .requestPayment: "Yêu cầu nghĩa vụ tài chính"
        case .confirmPayment: "Xác nhận đã nộp"
        case .approve: "Phê duyệt"
        case .reject: "Từ chối giải quyết"
        case .stop: "Dừng xử lý"
        case .withdraw: "Rút hồ sơ"
        case .recordResult: "Cập nhật kết quả"
        case .returnResult: "Trả kết quả"
        case .extendDeadline: "Gia hạn, xin lỗi"
        }
    }

    public var nameEn: String {
        switch self {
        case .receive: "Receive"
        case .refuse: "Refuse to receive"
        case .assign: "Assign"
        case .forward: "Forward to the next step"
        case .requestSupplement: "Request a supplement"
        case .supplement: "Supplement"
        case .requestPayment: "Request payment"
        case .confirmPayment: "Confirm payment"
        case .approve: "Approve"
        case .reject: "Reject"
        case .stop: "Stop processing"
        case .withdraw: "Withdraw"
        case .recordResult: "Record the result"
        case .returnResult: "Return the result"
        case .extendDeadline: "Extend with an apology"
        }
    }
}
