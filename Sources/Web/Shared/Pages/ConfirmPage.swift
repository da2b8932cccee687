import Hummingbird

/// A second page before an action that cannot be undone: what will happen, the action's button
/// (styled as destructive) and a way back. It works without JavaScript: the form posts the same
/// fields again with `confirmed=yes`.
public struct ConfirmPage: Sendable {
    public struct Field: Sendable {
        public let name: String
        public let value: String

        public init(_ pair: (key: String, value: String)) {
            name = pair.key
            value = pair.value
        }
    }

    let question: String
    let consequence: String
    let action: String
    let fields: [Field]
    let confirmLabel: String
    let back: String
    /// The reason typed, repeated for the user to read before confirming.
    let note: String?

    public init(
        question: String,
        consequence: String,
        action: String,
        fields: [Field],
        confirmLabel: String,
        back: String,
        note: String?
    ) {
        self.question = question
        self.consequence = consequence
        self.action = action
        self.fields = fields
        self.confirmLabel = confirmLabel
        self.back = back
        self.note = note
    }
}

extension PageRenderer {
    /// Renders the confirmation page for an action.
    public func confirm(_ page: ConfirmPage, request: Request, context: some RequestState) throws -> Response {
        try render("confirm", titleKey: "confirmTitle", page: page, request: request, context: context)
    }
}
