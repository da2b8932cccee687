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
    let csrf: String
    let css: String
    let currentPath: String
    let user: SignedInUser?
    let nav: [NavigationLink]
    /// A refused form's messages.
    let errors: [FormMessage]
}

/// Who the header names as signed in.
struct SignedInUser {
    let username: String
}

/// A main-navigation link as the layout shows it.
struct NavigationLink {
    let path: String
    let label: String
    let current: Bool
}

/// One message of a refused form.
public struct FormMessage: Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }
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
struct PageScope<Page>: MustacheParent {
    let layout: LayoutValues
    let page: Page

    func child(named name: String) -> Any? {
        if let found = Self.property(name, of: layout) ?? Self.property(name, of: page) { return found.value }
        guard name.hasPrefix("has_") else { return nil }
        let list = String(name.dropFirst(4))
        let found = Self.property(list, of: layout) ?? Self.property(list, of: page)
        return (found?.value as? any Collection).map { !$0.isEmpty }
    }

    /// A stored property found by name; `value` is nil for an absent optional.
    struct Found {
        let value: Any?
    }

    /// The stored property `name` of `object`, or nil when it has none of that name.
    static func property(_ name: String, of object: Any) -> Found? {
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return nil }
        let mirror = Mirror(reflecting: child.value)
        guard mirror.displayStyle == .optional else { return Found(value: child.value) }
        return Found(value: mirror.children.first?.value)
    }
}
