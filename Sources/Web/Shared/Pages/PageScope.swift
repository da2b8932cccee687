import Core
import Hummingbird
import Mustache

/// The values the shared layout reads on every page, whatever the page's own view model.
struct LayoutValues {
    let t: [String: String]
    let title: String
    let lang: String
    let province: String
    let otherLang: String
    /// This page (its query kept) in the other language.
    let otherLangPath: String
    let csrf: String
    /// This render's once-only form token (`FormSubmissions`).
    let once: String
    /// The previous action's message, shown once.
    let flash: String?
    let css: String
    let emblem: String
    let currentPath: String
    let user: SignedInUser?
    let nav: [NavigationLink]
    /// A refused form's messages, each linking to its field (the error summary).
    let errors: [FormMessage]
    /// The same messages by input id, shown at each field (`fieldErrors.<id>`).
    let fieldErrors: [String: String]
}

/// Who the header names as signed in.
struct SignedInUser {
    let username: String
    let name: String
}

/// A main-navigation link as the layout shows it.
struct NavigationLink {
    let path: String
    let label: String
    let current: Bool
}

/// One message of a refused form, with the id of the input it is about (when it names one).
public struct FormMessage: Sendable {
    public let message: String
    public let anchor: String?

    public init(_ message: String, anchor: String? = nil) {
        self.message = message
        self.anchor = anchor
    }
}

/// A refused form's messages in the GOV.UK pattern: a summary at the top whose items link to
/// their fields, and the same message at each field (`aria-invalid`, `aria-describedby`).
public struct FormErrors: Sendable {
    public let summary: [FormMessage]
    /// Each field's message by the id of its input.
    public let byField: [String: String]

    public static let none = FormErrors(summary: [], byField: [:])

    public init(summary: [FormMessage], byField: [String: String]) {
        self.summary = summary
        self.byField = byField
    }

    /// The messages of `problem` in `language`; a problem without field errors is one message
    /// that links nowhere.
    public init(_ problem: Problem?, language: Language) {
        guard let problem else {
            self = .none
            return
        }
        let fields = problem.errors ?? []
        guard !fields.isEmpty else {
            self.init(summary: [FormMessage(problem.detail)], byField: [:])
            return
        }
        var byField: [String: String] = [:]
        let summary = fields.map { error in
            let message = language == .vi ? error.messageVi : error.messageEn
            let id = Self.inputID(error.field)
            byField[id] = byField[id].map { $0 + " " + message } ?? message
            return FormMessage(message, anchor: id)
        }
        self.init(summary: summary, byField: byField)
    }

    /// The id of the input a domain field is typed in: its last part, an index joined by a
    /// hyphen (`applicant.fullName` → `fullName`, `documents[2]` → `documents-2`).
    public static func inputID(_ field: String) -> String {
        let last = field.split(separator: ".").last.map(String.init) ?? field
        return last.replacingOccurrences(of: "[", with: "-").replacingOccurrences(of: "]", with: "")
    }
}

/// The view model of a page that shows only its template and the layout.
struct NoPageValues {}

/// The error page's view model.
struct ErrorPage {
    struct Shown {
        let status: Int
        let detail: String
        let requestId: String
    }

    let problem: Shown
}

/// What a template sees: the layout's values first, then the page's typed view model (its stored
/// properties, by name). Mustache cannot test a list for being non-empty, so `has_<name>` is true
/// when the layout's or the page's list `name` has elements.
struct PageScope: MustacheParent {
    /// Every stored property of the layout and of the page by name, the layout's first, read
    /// once per render (a template looks names up here hundreds of times); an absent optional
    /// is stored as nil.
    private let values: [String: Any?]

    init(layout: LayoutValues, page: some Any) {
        var values: [String: Any?] = [:]
        for object in [layout, page] as [Any] {
            for child in Mirror(reflecting: object).children {
                guard let label = child.label, values[label] == nil else { continue }
                values[label] = Self.unwrapped(child.value)
            }
        }
        self.values = values
    }

    func child(named name: String) -> Any? {
        if let found = values[name] { return found }
        guard name.hasPrefix("has_"), let list = values[String(name.dropFirst(4))] else { return nil }
        return (list as? any Collection).map { !$0.isEmpty }
    }

    /// The value inside an optional (nil when absent); any other value as it is.
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// One choice of a `<select>` (or a radio), as templates render it: `value`, `label`, `selected`.
public struct SelectOption: Sendable {
    public let value: String
    public let label: String
    public let selected: Bool

    public init(value: String, label: String, selected: Bool) {
        self.value = value
        self.label = label
        self.selected = selected
    }
}
