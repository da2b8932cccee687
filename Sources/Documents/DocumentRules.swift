import Core

/// What can be done to a document.
public enum DocumentAction: String, Codable, Sendable, CaseIterable {
    // Incoming
    case assign, subassign, process, forward, complete
    // Outgoing
    case submit, approve, `return`, issue, dispatch
    // Both
    case comment

    public var nameVi: String {
        switch self {
        case .assign: "Phân công xử lý"
        case .subassign: "Giao tiếp"
        case .process: "Nhận xử lý"
        case .forward: "Chuyển xử lý"
        case .complete: "Hoàn thành"
        case .submit: "Trình duyệt"
        case .approve: "Duyệt"
        case .return: "Trả lại"
        case .issue: "Cấp số, ban hành"
        case .dispatch: "Gửi lại"
        case .comment: "Ý kiến"
        }
    }

    public var nameEn: String {
        switch self {
        case .assign: "Assign"
        case .subassign: "Assign onward"
        case .process: "Take up"
        case .forward: "Forward"
        case .complete: "Complete"
        case .submit: "Submit for approval"
        case .approve: "Approve"
        case .return: "Return"
        case .issue: "Number and issue"
        case .dispatch: "Send again"
        case .comment: "Comment"
        }
    }

    /// Actions that cannot be undone, confirmed on a page of their own first: issuing gives
    /// the document its number and sends it; completing closes the incoming document's handling.
    public var needsConfirmation: Bool { self == .issue || self == .complete }

    /// What confirming the action means.
    public var consequenceVi: String {
        switch self {
        case .issue: "Văn bản được cấp số, ký số của cơ quan và gửi ngay tới các nơi nhận; sau đó không sửa được nữa."
        case .complete: "Văn bản được đánh dấu đã xử lý xong và rời khỏi danh sách việc cần làm của mọi người."
        default: ""
        }
    }

    public var consequenceEn: String {
        switch self {
        case .issue: "The document gets its number and the agency's signature and is sent to its recipients at once; it cannot be changed afterwards."
        case .complete: "The document is marked as handled and leaves everyone's to-do list."
        default: ""
        }
    }

    public var direction: DocumentDirection? {
        switch self {
        case .assign, .subassign, .process, .forward, .complete: .incoming
        case .submit, .approve, .return, .issue, .dispatch: .outgoing
        case .comment: nil
        }
    }
}

/// How the acting account stands to a document (worked out by the store from assignments,
/// the approval chain and the named readers).
public struct Involvement: Sendable {
    public var named: Bool
    public var leadsIt: Bool
    public var drafter: Bool
    public var currentApprover: Bool
    public init(named: Bool = false, leadsIt: Bool = false, drafter: Bool = false, currentApprover: Bool = false) {
        self.named = named
        self.leadsIt = leadsIt
        self.drafter = drafter
        self.currentApprover = currentApprover
    }
}

/// The rules of Decree 30/2020 and of the platform's document workflow. No I/O.
public enum DocumentRules {
    /// Who may add a file: a clerk to an incoming document until it is finished (scans); the
    /// drafter or a clerk to an outgoing draft (new versions).
    public static func mayAttach(to document: OfficialDocument, principal: Principal) -> Bool {
        document.direction == .incoming
            ? principal.roles.contains(.clerk) && document.status != .finished
            : document.status == .draft && (document.createdBy == principal.username || principal.roles.contains(.clerk))
    }

    /// An incoming document can be answered (an outgoing draft in response) until it is finished.
    public static func mayAnswer(_ document: OfficialDocument) -> Bool {
        document.direction == .incoming && document.status != .finished
    }

    /// Numbers below 10 take a leading zero.
    public static func formatNumber(_ number: Int) -> String { number < 10 ? String(format: "%02d", number) : String(number) }

    /// `QĐ-UBND`, or for a công văn `UBND-VX` (issuer, then the drafting unit).
    public static func notation(type: DocumentType, issuer: String, draftingUnit: String?) -> String {
        if type.isLetter { return draftingUnit.map { $0.isEmpty ? issuer : "\(issuer)-\($0)" } ?? issuer }
        return "\(type.abbreviation)-\(issuer)"
    }

    /// The register series: secret documents run their own numbers.
    public static func series(_ secrecy: Secrecy) -> String { secrecy.isSecret ? "secret" : "regular" }

    /// The edXML status an incoming document's status reports to its sender.
    public static func exchangeStatus(_ status: DocumentStatus) -> String? {
        switch status {
        case .registered: "03"
        case .assigned: "04"
        case .processing: "05"
        case .finished: "06"
        default: nil
        }
    }

    /// Whether a principal may see a document: secret ones only when named; others when named, or
    /// as a clerk or leader of its agency.
    public static func maySee(secrecy: Secrecy, agency: String, principal: Principal, named: Bool) -> Bool {
        guard principal.agency == agency else { return false }
        if named { return true }
        return !secrecy.isSecret && !principal.roles.isDisjoint(with: [.clerk, .leader])
    }

    /// The status an action moves the document to, or a problem when it may not be done now or by this principal.
    public static func next(after action: DocumentAction, document: OfficialDocument, principal: Principal, involvement: Involvement)
        throws(DomainError) -> DocumentStatus
    {
        if let direction = action.direction, direction != document.direction {
            throw .conflict(
                messageVi: "Thao tác \"\(action.nameVi)\" không dùng cho văn bản \(document.direction == .incoming ? "đến" : "đi")",
                messageEn: "\(action.rawValue) does not apply to \(document.direction == .incoming ? "an incoming" : "an outgoing") document"
            )
        }
        let leader = principal.roles.contains(.leader)
        let clerk = principal.roles.contains(.clerk)
        func require(_ allowed: Bool, _ vi: String, _ en: String) throws(DomainError) {
            if !allowed { throw .forbidden(messageVi: vi, messageEn: en) }
        }
        func state(_ allowed: Set<DocumentStatus>) throws(DomainError) {
            guard allowed.contains(document.status) else {
                throw .conflict(
                    messageVi: "Văn bản đang ở trạng thái \"\(document.status.nameVi)\", không thể \(action.nameVi.lowercased())",
                    messageEn: "The document is \(document.status.rawValue); \(action.rawValue) is not possible now"
                )
            }
        }
        switch action {
        case .comment:
            return document.status
        case .assign:
            try require(leader, "Chỉ lãnh đạo phân công xử lý", "Only a leader assigns a document")
            try state([.registered, .assigned, .processing])
            return document.status == .registered ? .assigned : document.status
        case .subassign:
            try require(leader || involvement.leadsIt, "Chỉ người chủ trì giao tiếp", "Only the lead assignee sub-assigns")
            try state([.assigned, .processing])
            return document.status
        case .process:
            try require(involvement.leadsIt, "Chỉ người chủ trì nhận xử lý", "Only the lead assignee starts processing")
            try state([.assigned])
            return .processing
        case .forward:
            try require(leader || involvement.leadsIt, "Chỉ lãnh đạo hoặc người chủ trì chuyển xử lý", "Only a leader or the lead assignee forwards")
            try state([.assigned, .processing])
            return .assigned
        case .complete:
            try require(
                leader || involvement.leadsIt,
                "Chỉ lãnh đạo hoặc người chủ trì kết thúc xử lý",
                "Only a leader or the lead assignee completes"
            )
            try state([.assigned, .processing])
            return .finished
        case .submit:
            try require(involvement.drafter, "Chỉ người soạn trình duyệt", "Only the drafter submits")
            try state([.draft])
            return .review
        case .approve:
            try require(involvement.currentApprover, "Chưa đến lượt bạn duyệt", "It is not your turn to approve")
            try state([.review])
            return document.approvalStep + 1 >= document.approvers.count ? .approved : .review
        case .return:
            try require(involvement.currentApprover, "Chưa đến lượt bạn duyệt", "It is not your turn to approve")
            try state([.review])
            return .draft
        case .issue:
            try require(clerk, "Chỉ văn thư cấp số, ban hành", "Only a clerk issues")
            try state([.approved])
            return .issued
        case .dispatch:
            try require(clerk, "Chỉ văn thư gửi văn bản", "Only a clerk sends")
            try state([.issued])
            return .issued
        }
    }

    /// The approval chain: the approvers in order, then the signer.
    public static func chain(approvers: [String], signer: String) -> [String] {
        approvers.filter { $0 != signer } + [signer]
    }

    /// The history action of a document its sender revoked (1), updated (2) or replaced (3).
    public static func businessAction(_ businessType: Int) -> String {
        ["", "revoked", "updated", "replaced"][min(3, max(0, businessType))]
    }

    /// The most recipients one document is sent to (a province's whole directory is ~1,500).
    public static let maxRecipients = 2_000

    /// Checks a draft's fields.
    public static func validate(_ input: NewOutgoing) throws(DomainError) -> DocumentType {
        guard let type = DocumentType.all.first(where: { $0.code == input.typeCode }) else {
            throw .invalid("typeCode", "Loại văn bản không hợp lệ", "Unknown document type")
        }
        try text(input.subject, "subject", max: 500)
        try xmlCharacters(input.summary, "summary")
        guard !input.recipients.isEmpty else { throw .invalid("recipients", "Cần ít nhất một nơi nhận", "At least one recipient is required") }
        guard input.recipients.count <= maxRecipients else {
            throw .invalid("recipients", "Tối đa \(maxRecipients) nơi nhận", "At most \(maxRecipients) recipients")
        }
        var seen: Set<String> = []
        for (index, recipient) in input.recipients.enumerated() {
            guard (try? AgencyIdentifier(recipient.organId)) != nil else {
                throw .invalid(
                    "recipients[\(index)].organId",
                    "Mã định danh nơi nhận \"\(recipient.organId)\" không hợp lệ",
                    "Invalid recipient identifier \"\(recipient.organId)\""
                )
            }
            guard seen.insert(recipient.organId).inserted else {
                throw .invalid(
                    "recipients[\(index)].organId",
                    "Nơi nhận \(recipient.organId) bị lặp lại",
                    "Recipient \(recipient.organId) is listed twice"
                )
            }
        }
        guard !input.signer.isEmpty else { throw .invalid("signer", "Cần người ký", "A signer is required") }
        if let business = input.businessType {
            guard (1...3).contains(business), input.originalId != nil else {
                throw .invalid("businessType", "Thu hồi/cập nhật/thay thế (1–3) cần văn bản gốc", "Revoke/update/replace (1–3) needs originalId")
            }
        }
        return type
    }

    /// Checks a hand-registered incoming document's fields.
    public static func validate(_ input: NewIncoming, today: LocalDate) throws(DomainError) -> DocumentType {
        guard let type = DocumentType.find(input.typeCode) else { throw .invalid("typeCode", "Loại văn bản không hợp lệ", "Unknown document type") }
        try text(input.senderName, "senderName", max: 200)
        try text(input.codeNumber, "codeNumber", max: 11)
        try text(input.subject, "subject", max: 500)
        guard input.documentDate <= today else {
            throw .invalid("documentDate", "Ngày văn bản không được sau hôm nay", "The document date cannot be in the future")
        }
        if let id = input.senderId, !id.isEmpty, (try? AgencyIdentifier(id)) == nil {
            throw .invalid("senderId", "Mã định danh nơi gửi không hợp lệ", "Invalid sender identifier")
        }
        return type
    }

    static func text(_ value: String, _ field: String, max: Int) throws(DomainError) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field, "Không được để trống", "Required") }
        guard trimmed.count <= max else { throw .invalid(field, "Tối đa \(max) ký tự", "At most \(max) characters") }
        try xmlCharacters(value, field)
    }

    /// Text sent in an edXML package must hold only characters XML allows.
    static func xmlCharacters(_ value: String?, _ field: String) throws(DomainError) {
        guard let value, let bad = XMLText.firstForbidden(in: value) else { return }
        throw .invalid(field, "Chứa ký tự không được phép (\(XMLText.code(bad)))", "Holds a character that cannot be sent (\(XMLText.code(bad)))")
    }

    /// The deadline of an assignment: a date, or a number of working days from today.
    public static func deadline(date: LocalDate?, workingDays: Int?, today: LocalDate, calendar: WorkingCalendar) throws(DomainError) -> LocalDate? {
        if let date {
            guard date >= today else { throw .invalid("deadline", "Hạn xử lý đã qua", "The deadline is in the past") }
            return date
        }
        guard let workingDays else { return nil }
        guard (1...365).contains(workingDays) else { throw .invalid("deadlineDays", "Số ngày làm việc từ 1 đến 365", "Working days must be 1–365") }
        return calendar.addWorkingDays(workingDays, to: today)
    }
}
