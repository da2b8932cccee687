/// Internal dossier statuses, each mapped to the national portal's `TrangThaiHoSo` (1–10).
public enum DossierStatus: String, Codable, Sendable, CaseIterable {
    /// Submitted online, waiting to be received.
    case submitted
    /// Received at the one-stop desk, waiting for assignment.
    case received
    /// Not accepted at receipt (refusal slip).
    case refused
    /// Being processed by an agency.
    case processing
    /// Waiting for the applicant's supplement; the clock is stopped.
    case supplementRequested = "supplement_requested"
    /// Waiting for the applicant to pay fees or taxes.
    case awaitingPayment = "awaiting_payment"
    /// Withdrawn by the applicant.
    case withdrawn
    /// Processing stopped (stop notice).
    case stopped
    /// Decided in favour; the result is being prepared.
    case approved
    /// Decided against; a written answer is being prepared.
    case rejected
    /// The result document is recorded and ready to hand over.
    case resultReady = "result_ready"
    /// The result was handed over.
    case returned

    /// `TrangThaiHoSo` of the National Public Service Portal.
    public var nationalCode: Int {
        switch self {
        case .submitted: 1
        case .received: 2
        case .refused: 3
        case .processing: 4
        case .supplementRequested: 5
        case .awaitingPayment: 6
        case .withdrawn: 7
        case .stopped: 8
        case .approved, .rejected, .resultReady: 9
        case .returned: 10
        }
    }

    /// No action leads out of these.
    public var isFinal: Bool { [.refused, .withdrawn, .stopped, .returned].contains(self) }

    /// Processing is finished (the national index's end time is set).
    public var isProcessingFinished: Bool { [.approved, .rejected, .resultReady, .returned].contains(self) }

    /// The deadline clock is not running (waiting for the applicant, or not yet received).
    public var clockStopped: Bool { [.submitted, .supplementRequested, .awaitingPayment].contains(self) || isFinal || isProcessingFinished }

    public var nameVi: String {
        switch self {
        case .submitted: "Mới đăng ký, chờ tiếp nhận"
        case .received: "Đã tiếp nhận"
        case .refused: "Không tiếp nhận"
        case .processing: "Đang xử lý"
        case .supplementRequested: "Chờ bổ sung hồ sơ"
        case .awaitingPayment: "Chờ thực hiện nghĩa vụ tài chính"
        case .withdrawn: "Công dân rút hồ sơ"
        case .stopped: "Dừng xử lý"
        case .approved: "Đã giải quyết, chờ kết quả"
        case .rejected: "Từ chối giải quyết"
        case .resultReady: "Có kết quả, chờ trả"
        case .returned: "Đã trả kết quả"
        }
    }

    public var nameEn: String {
        switch self {
        case .submitted: "Submitted, waiting for receipt"
        case .received: "Received"
        case .refused: "Not accepted"
        case .processing: "Processing"
        case .supplementRequested: "Waiting for supplement"
        case .awaitingPayment: "Waiting for payment"
        case .withdrawn: "Withdrawn by the applicant"
        case .stopped: "Processing stopped"
        case .approved: "Approved, result in preparation"
        case .rejected: "Rejected"
        case .resultReady: "Result ready for collection"
        case .returned: "Result returned"
        }
    }
}

/// How a dossier reached the agency (national code: 1 counter, 2 online, 3 postal).
public enum Channel: Int, Codable, Sendable, CaseIterable {
    case counter = 1
    case online = 2
    case postal = 3
}
