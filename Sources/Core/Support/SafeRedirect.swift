import Foundation

/// Redirect targets taken from requests (`next` after sign-in): only a path of this site is
/// followed. Checked after normalisation as browsers do it: control characters and spaces
/// (which browsers strip, turning `/<TAB>/evil` into `//evil`), backslashes (read as `/`),
/// and the same characters percent-encoded, once or several times.
public enum SafeRedirect {
    /// The longest target followed.
    public static let maximumLength = 500

    /// `target` when it is a same-origin relative path, else nil.
    public static func localPath(_ target: String?) -> String? {
        guard let target, !target.isEmpty, target.utf8.count <= maximumLength else { return nil }
        var layer = target
        // Each decoded layer must be safe too (a browser or proxy may decode once more).
        for _ in 0..<4 {
            guard isSafe(layer) else { return nil }
            guard let decoded = layer.removingPercentEncoding, decoded != layer else { return target }
            layer = decoded
        }
        return nil  // still encoded after four layers: not a path anyone means
    }

    static func isSafe(_ path: String) -> Bool {
        let scalars = Array(path.unicodeScalars)
        guard scalars.first == "/" else { return false }
        for scalar in scalars {
            // C0 and C1 controls, DEL, every kind of space, backslash.
            if scalar.value < 0x21 || (0x7F...0x9F).contains(scalar.value) || scalar == "\\" || scalar.properties.isWhitespace { return false }
            // Invisible format characters (zero-width, direction marks) are stripped by some parsers.
            if scalar.properties.generalCategory == .format { return false }
        }
        // `//host` and `/\host` are other origins; `/%2F…` is caught on the decoded layer.
        return scalars.count == 1 || scalars[1] != "/"
    }
}
