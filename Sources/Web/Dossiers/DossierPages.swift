import Core
import Directory
import Dossiers
import Foundation
import Hummingbird
import Identity
import Procedures

/// Dossier pages: submission (online or at the counter), my dossiers / work queue, detail with
/// the actions this user may take, file downloads, and the public status lookup.
public struct DossierPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/dossiers/new", .signedIn) { request, context in try await newForm(request, context) }
        routes.post("/dossiers", .signedIn) { request, context in try await submit(request, context) }
        routes.get("/dossiers", .signedIn) { request, context in try await queue(request, context) }
        routes.get("/dossiers/:code", .signedIn) { request, context in try await detail(request, context) }
        routes.post("/dossiers/:code/actions/:action", .signedIn) { request, context in try await act(request, context) }
        routes.post("/dossiers/:code/files", .signedIn) { request, context in try await upload(request, context) }
        routes.get("/dossiers/:code/files/:id", .signedIn) { _, context in
            let id = try context.parameters.number("id", orNotFound: "file")
            let (attachment, data) = try await services.dossiers.file(id, of: try context.parameters.require("code"), for: context.principal)
            return DossierRequests.download(attachment, data)
        }
        routes.get("/lookup", .everyone) { request, context in try await lookup(request, context) }
        routes.post("/dossiers/:code/rating", .signedIn) { request, context in
            let code = try context.parameters.require("code")
            let form = try await Form.read(request)
            return try await Refusal.shown(in: context) {
                guard let value = Int(form["rating"] ?? ""), let satisfaction = Satisfaction(rawValue: value) else {
                    throw DomainError.invalid("rating", "Chọn mức độ hài lòng", "Choose how satisfied you are")
                }
                _ = try await services.dossiers.rate(
                    code,
                    rating: satisfaction,
                    comment: form["comment"],
                    by: context.principal,
                    requestID: context.requestID
                )
                let done = context.language == .vi ? "Cảm ơn ông/bà đã đánh giá." : "Thank you for your rating."
                return Response.redirect(to: "/dossiers/\(code)", type: .normal).flashing(done)
            } again: { problem in
                try await detail(request, context, refusal: problem)
            }
        }
    }

    var vi: (AppRequestContext) -> Bool { { $0.language == .vi } }

    static func time(_ millis: Int64?) -> String? { millis.map { VietnamTime.display(Date(epochMillis: $0)) } }

    // MARK: Submission

    func newForm(
        _ request: Request,
        _ context: SignedInContext,
        refusal: Problem? = nil,
        values: [String: String] = [:]
    ) async throws -> Response {
        let code = values["procedure"] ?? request.uri.stringParameter("procedure") ?? ""
        guard let procedure = try await services.procedures.procedure(code) else { throw DomainError.notFound(what: "procedure \(code)") }
        let principal = context.principal
        let atCounter = principal.roles.contains(.counterOfficer)
        guard atCounter || procedure.onlineLevel.acceptsOnlineSubmission else {
            throw DomainError.conflict(
                messageVi: "Thủ tục này chưa nhận hồ sơ trực tuyến",
                messageEn: "This procedure does not accept online submission"
            )
        }
        var communes: [DossierViews.NewForm.Commune] = []
        if procedure.agencyIdentifier == nil && !atCounter {
            let chosen = values["agency"]
            let units = Dictionary(
                uniqueKeysWithValues: try await ReferenceData.administrativeUnits(services.database, parent: "75").map { ($0.code, $0.name) }
            )
            communes = try await services.directory.list(page: PageRequest(limit: 200), parent: "000.00.00.H19").items
                .filter { $0.kind == .peopleCommittee }
                .compactMap { agency in
                    units[agency.adminUnitCode ?? ""].map { .init(identifier: agency.identifier, name: $0, selected: agency.identifier == chosen) }
                }
                .sortedVietnamese(by: \.name)
        }
        var account: Account?
        if let id = principal.userID { account = try await services.accounts.account(id: id) }
        let isCitizen = principal.roles == [.citizen]
        func value(_ key: String, _ fallback: String?) -> String { values[key] ?? (isCitizen ? fallback ?? "" : "") }
        let errors = FormErrors(refusal, language: context.language)
        let kept = Dictionary(
            try await services.dossiers.draftFiles(values["draft"], owner: principal).map { ($0.slot, $0.fileName) },
            uniquingKeysWith: { first, _ in first }
        )
        return try services.pages.render(
            "dossier-new",
            titleKey: atCounter ? "counterReceipt" : "submitOnline",
            page: DossierViews.NewForm(
                procedure: .init(
                    code: procedure.code,
                    name: procedure.name,
                    days: Quantity.workingDays(procedure.processingDays, context.language),
                    fees: procedure.fees.map { .init(name: $0.name, amount: Money.vnd($0.amount)) }
                ),
                documents: procedure.documents.enumerated().map {
                    .init(
                        index: $0.offset,
                        name: $0.element.name,
                        required: $0.element.required && !atCounter && kept[$0.offset] == nil,
                        optional: !$0.element.required,
                        kept: kept[$0.offset],
                        error: errors.byField["documents-\($0.offset)"]
                    )
                },
                draft: kept.isEmpty ? nil : values["draft"],
                communes: communes,
                chooseCommune: !communes.isEmpty,
                atCounter: atCounter,
                fullName: value("fullName", account?.fullName),
                phone: value("phone", account?.phone ?? account?.username),
                citizenId: value("citizenId", account?.citizenId),
                email: value("email", account?.email),
                address: values["address"] ?? "",
                subject: values["subject"] ?? ""
            ),
            errors: errors,
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func submit(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let code = form["procedure"] ?? ""
        guard let procedure = try await services.procedures.procedure(code) else { throw DomainError.notFound(what: "procedure \(code)") }
        // The files kept from a refused try, replaced by any chosen again for the same document.
        var chosen = try await services.dossiers.draftAttachments(form["draft"], owner: context.principal)
        for file in form.files where !file.data.isEmpty {
            guard file.field.hasPrefix("file"), let index = Int(file.field.dropFirst(4)), procedure.documents.indices.contains(index) else {
                continue
            }
            chosen[index] = NewAttachment(data: file.data, fileName: file.fileName, documentName: procedure.documents[index].name)
        }
        let attachments = chosen.sorted { $0.key < $1.key }.map(\.value)
        let applicant = Applicant(
            fullName: form["fullName"] ?? "",
            kind: Int(form["kind"] ?? "1") ?? 1,
            phone: form["phone"] ?? "",
            email: form["email"],
            citizenId: form["citizenId"],
            address: form["address"]
        )
        let input = NewDossier(
            procedureCode: code,
            agencyIdentifier: form["agency"].flatMap { $0.isEmpty ? nil : $0 },
            applicant: applicant,
            subject: form["subject"],
            channel: Int(form["channel"] ?? "")
        )
        return try await Refusal.shown(in: context) {
            let dossier = try await services.dossiers.create(input, attachments: attachments, by: context.principal, requestID: context.requestID)
            try await services.dossiers.dropDraft(form["draft"])
            let done =
                context.language == .vi
                ? "Đã nộp hồ sơ \(dossier.code). Hãy ghi lại mã hồ sơ để tra cứu; kết quả tiếp nhận sẽ được báo qua SMS."
                : "Dossier \(dossier.code) submitted. Keep its code to look it up; you will be told by SMS when it is received."
            return Response.redirect(to: "/dossiers/\(dossier.code)", type: .normal).flashing(done)
        } again: { problem in
            var values = form.fields
            values["procedure"] = code
            try await services.dossiers.dropDraft(form["draft"])
            values["draft"] = try await services.dossiers.keepDraft(chosen, owner: context.principal)
            return try await newForm(request, context, refusal: problem, values: values)
        }
    }

    // MARK: Lists

    func queue(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let principal = context.principal
        let isStaff = principal.roles != [.citizen]
        // Staff start with what needs them; citizens see all of theirs.
        let filter = try DossierRequests.filter(request.uri, defaultView: isStaff && principal.agency != nil ? .mine : nil)
        let page = try await services.dossiers.list(filter, page: try request.uri.pageRequest(), for: principal)
        let now = Date().epochMillis
        let vi = context.language == .vi
        let rows = page.items.map { d in
            DossierViews.Queue.Row(
                code: d.code,
                procedure: d.procedureName,
                applicant: d.applicant.fullName,
                status: vi ? d.status.nameVi : d.status.nameEn,
                due: Self.time(d.dueAt) ?? "—",
                overdue: d.isOverdue(at: now),
                received: Self.time(d.receivedAt ?? d.createdAt) ?? ""
            )
        }
        let statuses = DossierStatus.allCases.map {
            DossierViews.Choice(value: $0.rawValue, name: vi ? $0.nameVi : $0.nameEn, selected: $0 == filter.status)
        }
        let query =
            (filter.view.map { "&view=\($0.rawValue)" } ?? "") + (filter.status.map { "&status=\($0.rawValue)" } ?? "")
            + (filter.overdueOnly ? "&overdue=true" : "")
        let next = page.nextCursor.map { "/dossiers?cursor=\($0)" + query }
        var tabs: [DossierViews.Queue.Tab] = []
        if isStaff {
            var unfiltered = filter
            unfiltered.view = nil
            let counts = try await services.dossiers.queueCounts(unfiltered, for: principal)
            tabs = DossierStore.QueueView.allCases.map { view in
                .init(
                    path: "/dossiers?view=\(view.rawValue)" + (filter.status.map { "&status=\($0.rawValue)" } ?? ""),
                    label: vi ? view.nameVi : view.nameEn,
                    count: counts[view] ?? 0,
                    current: (filter.view ?? .all) == view
                )
            }
        }
        return try services.pages.render(
            "dossiers",
            titleKey: principal.roles == [.citizen] ? "myDossiers" : "workQueue",
            page: DossierViews.Queue(
                rows: rows,
                statuses: statuses,
                overdueOnly: filter.overdueOnly,
                isStaff: isStaff,
                next: next,
                tabs: tabs,
                view: filter.view?.rawValue
            ),
            request: request,
            context: context
        )
    }

    // MARK: Detail and actions

    /// The dossier page; after a refused action, with its message and what was typed for it.
    func detail(
        _ request: Request,
        _ context: SignedInContext,
        refusal: Problem? = nil,
        typed: (action: String, note: String)? = nil
    ) async throws -> Response {
        let code = try context.parameters.require("code")
        let detail = try await services.dossiers.detail(code, for: context.principal)
        let d = detail.dossier
        let vi = context.language == .vi
        let principal = context.principal
        var agencyNames: [String: String] = [:]
        for identifier in Set([d.receivingAgency, d.currentAgency, d.implementingAgency]) {
            agencyNames[identifier] = try await services.directory.agency(identifier)?.name ?? identifier
        }
        let people = try await PeopleNames.of(
            detail.events.map(\.actor) + [d.assignedUsername].compactMap { $0 },
            accounts: services.accounts,
            language: context.language
        )
        var staff: [DossierViews.Detail.Officer] = []
        if detail.allowedActions.contains(.assign) {
            staff = try await services.accounts.staff(of: d.currentAgency)
                .filter { $0.roles.contains(.processingOfficer) || $0.roles.contains(.leader) }
                .map { .init(username: $0.username, name: $0.fullName) }
        }
        let actions = detail.allowedActions.map { action in
            DossierViews.Detail.Action(
                action: action.rawValue,
                label: vi ? action.nameVi : action.nameEn,
                needsNote: action.requiresNote,
                isAssign: action == .assign,
                isExtend: action == .extendDeadline,
                staff: staff,
                emphasis: action.emphasis.rawValue,
                note: typed?.action == action.rawValue ? typed?.note ?? "" : ""
            )
        }
        let isStaff = principal.roles != [.citizen]
        let hasEvent: (String) -> Bool = { name in detail.events.contains { $0.action == name } }
        let rating = try await services.dossiers.rating(of: d.code)
        let billing = try await services.dossiers.payments(of: d.code, for: principal)
        var slips: [DossierViews.Detail.Slip] = []
        let t = Strings.all(context.language)
        for (slip, shown) in [
            ("receipt", d.receivedAt != nil), ("supplement", hasEvent("request_supplement")), ("refusal", d.status == .refused),
            ("apology", hasEvent("extend_deadline")), ("control", isStaff),
        ] where shown {
            slips.append(.init(slip: slip, label: t["slip_\(slip)"] ?? slip))
        }
        let guidance = DossierGuidance.of(detail, forApplicant: principal.roles == [.citizen])
        let banner = Self.banner(guidance, feesDue: billing.due > 0 ? Money.vnd(billing.due) : nil, language: context.language)
        return try services.pages.render(
            "dossier",
            titleKey: "dossier",
            page: DossierViews.Detail(
                code: d.code,
                procedure: d.procedureName,
                procedureCode: d.procedureCode,
                status: vi ? d.status.nameVi : d.status.nameEn,
                overdue: detail.overdue,
                applicant: d.applicant.fullName,
                phone: d.applicant.phone,
                subject: d.subject,
                created: Self.time(d.createdAt) ?? "",
                received: Self.time(d.receivedAt),
                due: Self.time(d.dueAt),
                receivingAgency: agencyNames[d.receivingAgency] ?? "",
                currentAgency: agencyNames[d.currentAgency] ?? "",
                step: d.currentStep + 1,
                stepCount: d.stepCount,
                assigned: d.assignedUsername.map { people[$0] },
                channel: t["channel\(d.channel.rawValue)"] ?? "",
                isStaff: isStaff,
                events: detail.events.map { e in
                    .init(
                        at: Self.time(e.at) ?? "",
                        action: DossierAction(rawValue: e.action).map { vi ? $0.nameVi : $0.nameEn } ?? (vi ? "Nộp hồ sơ" : "Submitted"),
                        actor: people[e.actor],
                        note: e.note,
                        status: DossierStatus(rawValue: e.toStatus).map { vi ? $0.nameVi : $0.nameEn } ?? e.toStatus
                    )
                },
                files: detail.attachments.map {
                    .init(
                        id: $0.id,
                        name: $0.fileName,
                        document: $0.documentName,
                        kind: t["file_\($0.kind.rawValue)"] ?? $0.kind.rawValue,
                        size: ByteCountFormatter.string(fromByteCount: Int64($0.size), countStyle: .file)
                    )
                },
                actions: actions,
                hasActions: !actions.isEmpty,
                banner: banner,
                mainActions: actions.filter { $0.emphasis == "primary" },
                otherActions: actions.filter { $0.emphasis == "secondary" } + actions.filter { $0.emphasis == "destructive" },
                canUploadSupplement: detail.abilities.attachPapers,
                canUploadResult: detail.abilities.attachResult,
                uploadKind: d.status == .submitted ? "submission" : "supplement",
                slips: slips,
                error: refusal?.detail,
                feesDue: billing.due > 0 ? Money.vnd(billing.due) : nil,
                isPaid: billing.payments.contains { $0.status == .paid },
                canPay: detail.abilities.pay,
                canRate: detail.abilities.rate,
                rating: rating.map { vi ? $0.rating.nameVi : $0.rating.nameEn },
                ratingComment: rating?.comment,
                ratingChoices: Satisfaction.allCases.map { .init(value: $0.rawValue, label: vi ? $0.nameVi : $0.nameEn) }
            ),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    /// The banner that tells the reader what the dossier waits for.
    static func banner(_ guidance: DossierGuidance, feesDue: String?, language: Language) -> DossierViews.Detail.Banner? {
        let vi = language == .vi
        func make(
            _ tone: String,
            _ title: String,
            _ text: String,
            files: [DossierViews.Detail.Banner.File] = [],
            link: (String, String)? = nil,
            pay: Bool = false
        )
            -> DossierViews.Detail.Banner
        {
            .init(tone: tone, title: title, text: text, files: files, link: link?.0, linkLabel: link?.1, pay: pay)
        }
        switch guidance {
        case .supplement(let reason, let canUpload):
            let why = reason.map { (vi ? "Lý do: " : "Reason: ") + $0 + ". " } ?? ""
            return make(
                "action",
                vi ? "Hồ sơ cần bổ sung" : "Your dossier needs more papers",
                why
                    + (vi
                        ? "Hãy tải lên giấy tờ còn thiếu rồi bấm «Bổ sung hồ sơ». Thời gian bổ sung không tính vào thời hạn giải quyết."
                        : "Upload what is missing, then press “Supplement”. The time you take does not count against the deadline."),
                link: canUpload ? ("#add-files", vi ? "Tải lên giấy tờ bổ sung" : "Upload the papers") : nil
            )
        case .payment:
            return make(
                "action",
                vi ? "Hồ sơ cần nộp phí, lệ phí" : "Fees are due",
                (vi ? "Số tiền phải nộp: " : "Amount due: ") + (feesDue ?? "—"),
                pay: true
            )
        case .result(let files):
            return make(
                "done",
                vi ? "Đã có kết quả giải quyết" : "The result is ready",
                vi
                    ? "Tải kết quả bên dưới, hoặc nhận bản giấy theo hình thức đã đăng ký."
                    : "Download it below, or collect the paper copy as you chose.",
                files: files.map { .init(id: $0.id, name: $0.fileName) }
            )
        case .awaitingReceipt:
            return make(
                "info",
                vi ? "Hồ sơ đã gửi, chờ tiếp nhận" : "Sent; waiting to be received",
                vi
                    ? "Cơ quan sẽ kiểm tra và tiếp nhận hồ sơ; ông/bà nhận tin nhắn khi hồ sơ được tiếp nhận."
                    : "The agency will check and receive it; you will get a text message."
            )
        case .inProgress(let due):
            let when = due.flatMap { time($0) }.map { (vi ? " Ngày hẹn trả kết quả: " : " Appointment: ") + $0 + "." } ?? ""
            return make(
                "info",
                vi ? "Hồ sơ đang được giải quyết" : "Being processed",
                (vi ? "Chưa cần ông/bà làm gì thêm." : "Nothing is needed from you now.") + when
            )
        case .closed:
            return nil
        case .needsAction(let primary, let due, let overdue):
            let names = primary.map { vi ? $0.nameVi : $0.nameEn }.joined(separator: ", ")
            let when =
                due.flatMap { time($0) }.map { (vi ? " Hạn: " : " Due: ") + $0 + (overdue ? (vi ? " — đã quá hạn." : " — overdue.") : ".") } ?? ""
            return make(
                overdue ? "action late" : "action",
                vi ? "Hồ sơ chờ bạn" : "Waiting for you",
                (vi ? "Việc tiếp theo: " : "Next: ") + names + "." + when,
                link: ("#actions", vi ? "Đến các thao tác" : "Go to the actions")
            )
        }
    }

    /// Performs an action; one that ends the dossier is first confirmed on a page of its own
    /// (without JavaScript), unless its required reason is missing (then the refusal says so).
    func act(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let form = try await Form.read(request)
        let action = try context.parameters.value("action", as: DossierAction.self, orNotFound: "action")
        let note = form["note"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let vi = context.language == .vi
        if action.needsConfirmation, form["confirmed"] != "yes", !(action.requiresNote && note.isEmpty) {
            return try services.pages.confirm(
                ConfirmPage(
                    question: vi ? "\(action.nameVi) hồ sơ \(code)?" : "\(action.nameEn): dossier \(code)?",
                    consequence: vi ? action.consequenceVi : action.consequenceEn,
                    action: "/dossiers/\(code)/actions/\(action.rawValue)",
                    fields: form.fields.filter { ["note", "assignee", "newDueDate"].contains($0.key) }.map(ConfirmPage.Field.init).sorted {
                        $0.name < $1.name
                    },
                    confirmLabel: vi ? "Xác nhận: \(action.nameVi)" : "Confirm: \(action.nameEn)",
                    back: "/dossiers/\(code)",
                    note: note.isEmpty ? nil : note
                ),
                request: request,
                context: context
            )
        }
        return try await Refusal.shown(in: context) {
            _ = try await services.dossiers.perform(
                action,
                on: code,
                input: ActionInput(note: form["note"], assignee: form["assignee"], newDueDate: form["newDueDate"]),
                by: context.principal,
                requestID: context.requestID
            )
            let done = vi ? "Đã thực hiện «\(action.nameVi)» cho hồ sơ \(code)." : "Done: \(action.nameEn) — dossier \(code)."
            return Response.redirect(to: "/dossiers/\(code)", type: .normal).flashing(done)
        } again: { problem in
            try await detail(request, context, refusal: problem, typed: (action.rawValue, form["note"] ?? ""))
        }
    }

    func upload(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let form = try await Form.read(request)
        let kind = try DossierRequests.kind(form["kind"])
        return try await Refusal.shown(in: context) {
            guard !form.files.isEmpty else { throw DomainError.invalid("file", "Chọn tệp để tải lên", "Choose a file to upload") }
            for file in form.files where !file.data.isEmpty {
                _ = try await services.dossiers.attach(
                    file.data,
                    fileName: file.fileName,
                    documentName: form["document"] ?? "",
                    kind: kind,
                    to: code,
                    by: context.principal,
                    requestID: context.requestID
                )
            }
            let done = context.language == .vi ? "Đã tải tệp lên hồ sơ \(code)." : "File added to dossier \(code)."
            return Response.redirect(to: "/dossiers/\(code)", type: .normal).flashing(done)
        } again: { problem in
            try await detail(request, context, refusal: problem)
        }
    }

    // MARK: Public lookup

    func lookup(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = request.uri.stringParameter("code")
        let key = request.uri.stringParameter("phone")
        var page = DossierViews.Lookup(code: code ?? "", phone: key ?? "")
        var status = HTTPResponse.Status.ok
        if code != nil || key != nil {
            do {
                let found = try await DossierRequests.lookup(code: code, key: key, services: services, context: context)
                page.result = .init(
                    code: found.code,
                    procedure: found.procedureName,
                    status: context.language == .vi ? found.statusName : found.statusNameEn,
                    received: Self.time(found.receivedAt),
                    due: Self.time(found.dueAt),
                    overdue: found.overdue
                )
            } catch let error as DomainError {
                let problem = Problem.from(error, language: context.language)
                page.error = problem.status == 404 ? (Strings.all(context.language)["lookupNotFound"] ?? problem.detail) : problem.detail
                status = HTTPResponse.Status(code: problem.status)
            }
        }
        return try services.pages.render("lookup", titleKey: "lookup", page: page, request: request, context: context, status: status)
    }
}
