import Core
import DocumentExchange
import Documents
import Foundation
import Hummingbird
import HummingbirdCore
import Identity

/// Document management pages: registers of incoming and outgoing documents, documents waiting
/// from the axis, drafting, the detail with the actions this user may take, register books.
public struct DocumentPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        let work = Restricted.permission(.documentsWork)
        routes.get("/documents", work) { request, context in try await list(request, context) }
        routes.get("/documents/new/:direction", work) { request, context in try await newForm(request, context) }
        routes.post("/documents/new/:direction", work) { request, context in try await create(request, context) }
        routes.post("/documents/pending/:id/:decision", work) { request, context in try await decide(request, context) }
        routes.get("/documents/registers/:direction", work) { request, context in try await registerBook(request, context) }
        routes.get("/documents/registers/:direction/csv", work) { request, context in
            let direction = try DocumentRequests.direction(context)
            let year = try request.uri.intParameter("year") ?? services.today().year
            let csv = try await services.documents.registerCSV(direction, year: year, for: context.principal)
            return csvResponse(csv, fileName: "so-van-ban-\(direction == .incoming ? "den" : "di")-\(year).csv")
        }
        routes.get("/documents/:id", work) { request, context in try await detail(request, context) }
        routes.post("/documents/:id/actions/:action", work) { request, context in try await act(request, context) }
        routes.post("/documents/:id/files", work) { request, context in
            let id = try DocumentRequests.documentID(context)
            let form = try await Form.read(request)
            return try await orShowError(request, context) {
                guard let file = form.files.first(where: { !$0.data.isEmpty }) else {
                    throw DomainError.invalid("file", "Chọn tệp để tải lên", "Choose a file to upload")
                }
                _ = try await services.documents.attach(file.data, name: file.fileName, to: id, by: context.principal, requestID: context.requestID)
                return Response.redirect(to: "/documents/\(id)", type: .normal)
            }
        }
        routes.get("/documents/:id/files/:file", work) { _, context in
            let (file, data) = try await services.documents.file(
                try DocumentRequests.documentID(context, "file"),
                of: try DocumentRequests.documentID(context),
                for: context.principal,
                requestID: context.requestID
            )
            return Response.download(fileName: file.name, mediaType: file.contentType, data)
        }
    }

    /// Runs a form's action; a refusal shows the document again with the problem's messages.
    /// Runs an action; a refusal shows the document again with the reason and, in the refused
    /// action's form, what was typed.
    func orShowError(
        _ request: Request,
        _ context: SignedInContext,
        typed: (action: String, form: Form)? = nil,
        _ body: () async throws -> Response
    ) async throws -> Response {
        try await Refusal.shown(in: context, body) { problem in try await detail(request, context, refusal: problem, typed: typed) }
    }

    // MARK: Lists

    func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let asked = try ListRequest(request.uri, principal: context.principal)
        let page = try await services.documents.list(asked.query, for: context.principal, page: asked.page, overdueOnly: asked.overdue)
        let pending = asked.direction == .incoming ? try await services.documents.awaitingRegistration(for: context.principal) : []
        let view = Self.listView(
            asked,
            page: page,
            pending: pending,
            today: services.today(),
            principal: context.principal,
            language: context.language
        )
        return try services.pages.render(
            "documents",
            titleKey: asked.direction == .incoming ? "incomingDocuments" : "outgoingDocuments",
            page: view,
            request: request,
            context: context
        )
    }

    /// What a document list asks for, read from its query string.
    struct ListRequest {
        let direction: DocumentDirection
        var query: DocumentQuery
        let overdue: Bool
        let mine: Bool
        let page: PageRequest

        init(_ uri: URI, principal: Principal) throws {
            direction = uri.stringParameter("dir") == "out" ? .outgoing : .incoming
            query = try DocumentRequests.query(uri, direction: direction)
            overdue = try uri.boolParameter("overdue") ?? false
            // An officer's incoming list starts with what is in their hands; clerks and leaders, who
            // oversee the agency's documents, start with all of them.
            let oversees = !principal.roles.isDisjoint(with: [.clerk, .leader])
            let asked = try uri.boolParameter("mine")
            mine = direction == .incoming && (asked ?? !oversees)
            if mine { query.assignedTo = principal.username }
            page = try uri.pageRequest()
        }
    }

    static func listView(
        _ asked: ListRequest,
        page: Page<OfficialDocument>,
        pending: [ExchangeMessage],
        today: LocalDate,
        principal: Principal,
        language: Language
    ) -> DocumentViews.List {
        let t = Strings.all(language)
        let direction = asked.direction
        let rows = page.items.map { d in
            DocumentViews.List.Row(
                id: d.id,
                number: d.registerNumber.map(DocumentRules.formatNumber),
                code: d.code ?? "—",
                subject: d.subject,
                counterpart: Self.counterpart(of: d),
                date: d.documentDate?.display ?? "—",
                status: d.status.nameVi,
                deadline: d.deadline?.display,
                overdue: d.deadline.map { $0 < today } == true && d.direction == .incoming && d.status != .finished,
                urgent: d.urgency != .normal ? d.urgency.nameVi : nil,
                secret: d.secrecy.isSecret ? d.secrecy.nameVi : nil,
                senderChange: d.senderChange.flatMap { t["event_\(DocumentRules.businessAction($0.businessType))"] }
            )
        }
        let next = page.nextCursor.map { cursor in
            "/documents?dir=\(direction.rawValue)&mine=\(asked.mine)&cursor=\(cursor)" + (asked.query.text.map { "&q=\(Self.escape($0))" } ?? "")
        }
        return DocumentViews.List(
            rows: rows,
            incoming: direction == .incoming,
            q: asked.query.text ?? "",
            from: asked.query.from?.display ?? "",
            to: asked.query.to?.display ?? "",
            overdueOnly: asked.overdue,
            mine: asked.mine,
            types: Self.types(selected: asked.query.typeCode),
            pending: pending.map { Self.pending($0, t) },
            isClerk: principal.roles.contains(.clerk),
            next: next,
            year: today.year,
            dirName: t[direction == .incoming ? "incomingDocuments" : "outgoingDocuments"] ?? ""
        )
    }

    /// The sender of an incoming document, the recipients of an outgoing one.
    static func counterpart(of d: OfficialDocument) -> String {
        d.direction == .incoming ? (d.counterpartName ?? "") : d.recipients.map { $0.name ?? $0.organId }.joined(separator: "; ")
    }

    static func types(selected: String?) -> [DocumentViews.TypeOption] {
        DocumentType.all.map { .init(code: $0.code, name: $0.nameVi, selected: $0.code == selected) }
    }

    /// A document waiting from the axis, with what its signatures' checks found.
    static func pending(_ message: ExchangeMessage, _ t: [String: String]) -> DocumentViews.List.Pending {
        let failed = (message.signatures ?? []).filter { !$0.valid }
        let business = [1: "businessRevoke", 2: "businessUpdate", 3: "businessReplace"][message.businessType]
        return .init(
            id: message.id,
            subject: message.subject,
            code: message.code,
            sender: message.counterpartName,
            arrived: DossierPages.time(message.createdAt) ?? "",
            unverified: message.signatures?.isEmpty != false || !failed.isEmpty,
            problems: failed.map { .init(file: $0.file, text: $0.problems.joined(separator: "; ")) },
            files: (message.signatures ?? []).filter { $0.file != ExchangeStore.packageCheckName }.map(\.file).joined(separator: ", "),
            business: business.map { t[$0] ?? $0 },
            warnings: message.warnings ?? [],
            hasWarnings: !(message.warnings ?? []).isEmpty,
            date: message.documentDate?.display,
            typeName: message.typeName,
            signer: message.signer
        )
    }

    static func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    /// Registers a document waiting from the axis, or refuses it.
    func decide(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let id = try context.parameters.number("id", orNotFound: "document")
        let decision = try context.parameters.require("decision")
        guard ["register", "refuse"].contains(decision) else { throw DomainError.notFound(what: "action") }
        if decision == "refuse" {
            try await services.documents.refuseFromExchange(id, reason: form["reason"] ?? "", by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/documents", type: .normal)
        }
        let secrecy = Secrecy(rawValue: Int(form["secrecy"] ?? "0") ?? 0) ?? .normal
        let document = try await services.documents.registerFromExchange(
            id,
            secrecy: secrecy,
            unverifiedReason: form["unverifiedReason"],
            by: context.principal,
            requestID: context.requestID
        )
        return Response.redirect(to: "/documents/\(document.id)", type: .normal)
    }

    // MARK: New documents

    func newForm(
        _ request: Request,
        _ context: SignedInContext,
        refusal: Problem? = nil,
        values: [String: String] = [:]
    ) async throws -> Response {
        let direction = try DocumentRequests.direction(context)
        let principal = context.principal
        let agency = principal.agency ?? ""
        let staff = try await services.accounts.staff(of: agency)
        let own = try await services.directory.agency(agency)
        let agencies = try await services.directory.all().filter { $0.identifier != agency }
        return try services.pages.render(
            "document-new",
            titleKey: direction == .incoming ? "newIncoming" : "newOutgoing",
            page: DocumentViews.NewForm(
                incoming: direction == .incoming,
                direction: direction == .incoming ? "incoming" : "outgoing",
                types: Self.types(selected: values["typeCode"]),
                urgencies: Urgency.allCases.map { .init(value: $0.rawValue, name: $0.nameVi) },
                secrecies: Secrecy.allCases.map { .init(value: $0.rawValue, name: $0.nameVi) },
                leaders: staff.filter { $0.roles.contains(.leader) }.map { .init(username: $0.username, name: $0.fullName) },
                staff: staff.filter { $0.username != principal.username }.map { .init(username: $0.username, name: $0.fullName) },
                departments: (own?.departments ?? []).map { .init(code: $0.code, name: $0.name) },
                agencies: agencies.map { .init(identifier: $0.identifier, name: $0.name) },
                subject: values["subject"] ?? "",
                senderName: values["senderName"] ?? "",
                codeNumber: values["codeNumber"] ?? "",
                codeNotation: values["codeNotation"] ?? "",
                documentDate: values["documentDate"] ?? services.today().display,
                summary: values["summary"] ?? "",
                responseFor: values["responseFor"] ?? request.uri.stringParameter("responseFor") ?? ""
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func create(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let direction = try DocumentRequests.direction(context)
        let form = try await Form.read(request)
        let principal = context.principal
        func value(_ key: String) -> String? { form[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        let urgency = Urgency(rawValue: Int(form["urgency"] ?? "0") ?? 0)
        let secrecy = Secrecy(rawValue: Int(form["secrecy"] ?? "0") ?? 0)
        let chosen = { (prefix: String) in form.fields.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted() }
        return try await Refusal.shown(in: context) {
            let document: OfficialDocument
            if direction == .incoming {
                guard let date = LocalDate(typed: form["documentDate"] ?? "") else {
                    throw DomainError.invalid("documentDate", "Ngày văn bản không hợp lệ", "Invalid document date")
                }
                document = try await services.documents.registerIncoming(
                    NewIncoming(
                        senderName: form["senderName"] ?? "",
                        codeNumber: form["codeNumber"] ?? "",
                        codeNotation: value("codeNotation"),
                        documentDate: date,
                        typeCode: form["typeCode"] ?? "",
                        subject: form["subject"] ?? "",
                        summary: value("summary"),
                        urgency: urgency,
                        secrecy: secrecy,
                        channel: form.files.contains { !$0.data.isEmpty } ? .scan : .manual,
                        readers: chosen("reader_")
                    ),
                    by: principal,
                    requestID: context.requestID
                )
            } else {
                var recipients = chosen("to_").map { OfficialDocument.Recipient(organId: $0) }
                if let other = value("otherRecipient") {
                    let parts = other.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    recipients.append(.init(organId: parts[0], name: parts.count > 1 ? parts[1] : nil))
                }
                document = try await services.documents.createDraft(
                    NewOutgoing(
                        typeCode: form["typeCode"] ?? "",
                        subject: form["subject"] ?? "",
                        summary: value("summary"),
                        urgency: urgency,
                        secrecy: secrecy,
                        recipients: recipients,
                        draftingUnit: value("draftingUnit"),
                        signer: form["signer"] ?? "",
                        signerPosition: value("signerPosition"),
                        approvers: chosen("approver_"),
                        responseFor: value("responseFor").flatMap { Int64($0) },
                        readers: chosen("reader_")
                    ),
                    by: principal,
                    requestID: context.requestID
                )
            }
            for file in form.files where !file.data.isEmpty {
                _ = try await services.documents.attach(file.data, name: file.fileName, to: document.id, by: principal, requestID: context.requestID)
            }
            return Response.redirect(to: "/documents/\(document.id)", type: .normal)
        } again: { problem in
            try await newForm(request, context, refusal: problem, values: form.fields)
        }
    }

    // MARK: Detail and actions

    func detail(_ request: Request, _ context: SignedInContext, refusal: Problem? = nil, typed: (action: String, form: Form)? = nil) async throws
        -> Response
    {
        let principal = context.principal
        let d = try await services.documents.document(try DocumentRequests.documentID(context), for: principal, requestID: context.requestID)
        let allowed = try await services.documents.allowedActions(on: d, for: principal)
        let staff = try await services.accounts.staff(of: d.agency)
        let departments = try await services.directory.agency(d.agency)?.departments ?? []
        let assignees =
            staff.map { DocumentViews.Option(value: "u:\($0.username)", name: "\($0.fullName) (\($0.username))") }
            + departments.map { DocumentViews.Option(value: "d:\($0.code)", name: $0.name) }
        let mentioned =
            d.approvers + (d.events ?? []).map(\.actor) + (d.files ?? []).map(\.uploadedBy)
            + (d.assignments ?? []).flatMap { [$0.assignedBy] + [$0.assignee.user].compactMap { $0 } }
        let names = try await PeopleNames.of(mentioned, accounts: services.accounts, language: context.language)
        let people = staff.map { DocumentViews.Person(username: $0.username, name: $0.fullName) }
        let actions = allowed.map { action in
            var shown = DocumentViews.Detail.Action(
                action: action.rawValue,
                label: action.nameVi,
                isAssign: action == .assign || action == .subassign,
                isForward: action == .forward,
                needsNote: action == .comment || action == .return,
                assignees: assignees,
                staff: people
            )
            if let typed, typed.action == action.rawValue {
                shown.note = typed.form["note"] ?? ""
                shown.deadlineDays = typed.form["deadlineDays"] ?? ""
                shown.deadline = typed.form["deadline"] ?? ""
            }
            return shown
        }
        let today = services.today()
        let t = Strings.all(context.language)
        return try services.pages.render(
            "document",
            titleKey: d.direction == .incoming ? "incomingDocument" : "outgoingDocument",
            page: DocumentViews.Detail(
                id: d.id,
                documentId: d.id,
                incoming: d.direction == .incoming,
                subject: d.subject,
                summary: d.summary,
                code: d.code ?? "—",
                number: d.registerNumber.map(DocumentRules.formatNumber),
                type: d.typeName,
                status: d.status.nameVi,
                urgency: d.urgency.nameVi,
                secrecy: d.secrecy.nameVi,
                isSecret: d.secrecy.isSecret,
                counterpart: d.counterpartName,
                date: d.documentDate?.display,
                arrived: DossierPages.time(d.arrivedAt),
                issued: DossierPages.time(d.issuedAt),
                deadline: d.deadline?.display,
                overdue: d.deadline.map { $0 < today } == true && d.status != .finished && d.direction == .incoming,
                signer: d.signerName.map { name in [d.signerPosition, name].compactMap { $0 }.joined(separator: " ") },
                channel: d.channel.map { t["arrival_\($0.rawValue)"] ?? $0.rawValue },
                approvers: d.approvers.enumerated().map {
                    .init(
                        name: names[$0.element],
                        current: d.status == .review && $0.offset == d.approvalStep,
                        done: d.status != .draft && ($0.offset < d.approvalStep || [.approved, .issued].contains(d.status))
                    )
                },
                files: (d.files ?? []).map {
                    .init(
                        id: $0.id,
                        name: $0.name,
                        version: $0.version,
                        signed: $0.signed,
                        by: names[$0.uploadedBy],
                        size: ByteCountFormatter.string(fromByteCount: $0.size, countStyle: .file)
                    )
                },
                assignments: (d.assignments ?? []).map { a in
                    .init(
                        role: t["role_\(a.role.rawValue)"] ?? a.role.rawValue,
                        assignee: a.assignee.user.map { names[$0] } ?? departments.first { $0.code == a.assignee.department }?.name
                            ?? a.assignee.label,
                        deadline: a.deadline?.display ?? "—",
                        status: t["assignment_\(a.status.rawValue)"] ?? a.status.rawValue,
                        by: names[a.assignedBy],
                        instructions: a.instructions,
                        sub: a.parentId != nil
                    )
                },
                verification: d.verification.map { v in
                    .init(
                        valid: v.valid,
                        reason: v.acceptedReason,
                        checks: v.checks.map {
                            .init(file: $0.file, valid: $0.valid, signer: $0.signer ?? "—", problems: $0.problems.joined(separator: "; "))
                        }
                    )
                },
                senderChange: d.senderChange.map { .init(label: t["senderChange_\($0.businessType)"] ?? "\($0.businessType)", note: $0.note) },
                deliveries: (d.deliveries ?? []).map {
                    .init(name: $0.name, statuses: $0.statuses.map(EdXMLStatus.shortName).joined(separator: " → "))
                },
                events: (d.events ?? []).map {
                    .init(
                        at: DossierPages.time($0.at) ?? "",
                        action: DocumentAction(rawValue: $0.action)?.nameVi ?? t["event_\($0.action)"] ?? $0.action,
                        actor: names[$0.actor],
                        note: $0.note
                    )
                },
                actions: actions,
                hasActions: !actions.isEmpty,
                error: refusal.map { $0.messages(context.language).joined(separator: " ") },
                canUpload: DocumentRules.mayAttach(to: d, principal: principal),
                canAnswer: DocumentRules.mayAnswer(d)
            ),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func act(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try DocumentRequests.documentID(context)
        let form = try await Form.read(request)
        let action = try context.parameters.value("action", as: DocumentAction.self, orNotFound: "action")
        func assignee(_ value: String?) -> Assignee? {
            guard let value, value.count > 2 else { return nil }
            return value.hasPrefix("u:") ? Assignee(user: String(value.dropFirst(2))) : Assignee(department: String(value.dropFirst(2)))
        }
        let vi = context.language == .vi
        let name = vi ? action.nameVi : action.nameEn
        if action.needsConfirmation, form["confirmed"] != "yes" {
            let document = try await services.documents.document(id, for: context.principal, requestID: context.requestID)
            return try services.pages.confirm(
                ConfirmPage(
                    question: vi ? "\(name): \(document.subject)?" : "\(name): \(document.subject)?",
                    consequence: vi ? action.consequenceVi : action.consequenceEn,
                    action: "/documents/\(id)/actions/\(action.rawValue)",
                    fields: form.fields.filter { ["note", "to"].contains($0.key) }.map(ConfirmPage.Field.init).sorted { $0.name < $1.name },
                    confirmLabel: vi ? "Xác nhận: \(name)" : "Confirm: \(name)",
                    back: "/documents/\(id)",
                    note: form["note"].flatMap { $0.isEmpty ? nil : $0 }
                ),
                request: request,
                context: context
            )
        }
        return try await orShowError(request, context, typed: (action.rawValue, form)) {
            let input = DocumentActionInput(
                note: form["note"],
                lead: assignee(form["lead"]),
                coordinators: assignee(form["coordinator"]).map { [$0] },
                informed: assignee(form["informed"]).map { [$0] },
                deadline: form["deadline"].flatMap { LocalDate(typed: $0) },
                deadlineDays: form["deadlineDays"].flatMap { Int($0) },
                to: form["to"]
            )
            _ = try await services.documents.perform(action, on: id, input: input, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/documents/\(id)", type: .normal)
                .flashing(vi ? "Đã thực hiện «\(name)»." : "Done: \(name).")
        }
    }

    // MARK: Register books

    func registerBook(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let direction = try DocumentRequests.direction(context)
        let year = try request.uri.intParameter("year") ?? services.today().year
        guard (2000...2100).contains(year) else { throw DomainError.invalid("year", "Năm không hợp lệ", "Invalid year") }
        let book = try await services.documents.registerBook(direction, year: year, for: context.principal)
        let agency = try await services.directory.agency(context.principal.agency ?? "")
        return try services.pages.render(
            "register-book",
            titleKey: direction == .incoming ? "incomingRegister" : "outgoingRegister",
            page: DocumentViews.RegisterBook(
                incoming: direction == .incoming,
                direction: direction == .incoming ? "incoming" : "outgoing",
                year: year,
                agency: agency?.name ?? "",
                rows: book.map { d in
                    .init(
                        number: d.registerNumber.map(DocumentRules.formatNumber) ?? "",
                        secret: d.secrecy.isSecret ? d.secrecy.nameVi : nil,
                        arrived: d.arrivedAt.map { VietnamTime.local(Date(epochMillis: $0)).date.display } ?? "",
                        date: d.documentDate?.display ?? "",
                        counterpart: Self.counterpart(of: d),
                        code: d.code ?? "",
                        type: d.typeName,
                        subject: d.subject,
                        signer: d.signerName ?? "",
                        deadline: d.deadline?.display ?? "",
                        status: d.status.nameVi,
                        id: d.id
                    )
                }
            ),
            request: request,
            context: context
        )
    }
}
