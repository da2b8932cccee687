/// A short, recognisable name for the device behind a User-Agent ("Chrome · Android"), kept with
/// a session instead of the whole header (less to store, nothing that fingerprints the owner).
public enum DeviceName {
    /// Browsers, checked in this order (each later one's token also appears in earlier ones' headers).
    static let browsers: [(token: String, name: String)] = [
        ("coc_coc_browser", "Cốc Cốc"), ("Zalo", "Zalo"), ("Edg", "Edge"), ("OPR", "Opera"), ("SamsungBrowser", "Samsung Internet"),
        ("Firefox", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chromium", "Chromium"), ("Chrome", "Chrome"), ("Safari", "Safari"),
    ]
    static let systems: [(token: String, name: String)] = [
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("CrOS", "ChromeOS"), ("Windows", "Windows"),
        ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
    ]

    /// The device's name: browser and system when known, else the client's first product token
    /// (an API client such as `curl`), at most 60 characters.
    public static func of(_ userAgent: String) -> String {
        let browser = browsers.first { userAgent.contains($0.token + "/") }?.name
        let system = systems.first { userAgent.contains($0.token) }?.name
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser) · \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return system
        case (nil, nil):
            let product = userAgent.split(separator: " ").first.map { String($0.split(separator: "/").first ?? $0) } ?? ""
            return product.isEmpty ? "?" : String(product.prefix(60))
        }
    }
}
