// The refresh token's optional HttpOnly cookie (browser clients): its attributes, the
// Set-Cookie values that set and clear it, and the Cookie header read back.

/// How the refresh cookie is written: AUTHD_REFRESH_COOKIE and its attributes. Off while `name`
/// is empty (the default), and then authd answers exactly as simplejwt does.
package struct RefreshCookie: Sendable, Equatable {
    /// The cookie's name; empty turns cookies off.
    package var name = ""
    package var secure = true
    package var sameSite: SameSite = .strict
    /// nil: the longest path that covers refresh, blacklist and revoke-all (`cookiePath(for:)`).
    package var path: String? = nil
    package var domain: String? = nil
    /// The refresh token stays in login's and rotation's JSON body too (simplejwt's clients read
    /// it there); false leaves it only in the cookie, out of reach of the page's scripts.
    package var inBody = true

    package var isOn: Bool { !name.isEmpty }

    package enum SameSite: String, Sendable, CaseIterable {
        case strict = "Strict", lax = "Lax", none = "None"
        var spelling: String { rawValue.lowercased() }
    }

    package init() {}

    /// The default path: the longest prefix, ending at a "/", of every path that reads or
    /// clears the cookie, so the browser sends it there and nowhere else on the site.
    package static func defaultPath(_ paths: [String]) -> String {
        guard var common = paths.first else { return "/" }
        for path in paths.dropFirst() {
            common = String(zip(common.utf8, path.utf8).prefix { $0 == $1 }.map { Character(Unicode.Scalar($0.0)) })
        }
        guard let slash = common.lastIndex(of: "/") else { return "/" }
        return String(common[...slash])
    }

    /// `Set-Cookie` holding `token` for `maxAge` seconds.
    package func setting(_ token: String, maxAge: Int, path: String) -> (String, String) {
        ("Set-Cookie", "\(name)=\(token)" + attributes(maxAge: maxAge, path: path))
    }

    /// `Set-Cookie` that makes the browser drop the cookie now.
    package func clearing(path: String) -> (String, String) {
        ("Set-Cookie", "\(name)=" + attributes(maxAge: 0, path: path))
    }

    private func attributes(maxAge: Int, path: String) -> String {
        var text = "; Max-Age=\(maxAge); Path=\(path)"
        if let domain { text += "; Domain=\(domain)" }
        text += "; HttpOnly"
        if secure { text += "; Secure" }
        return text + "; SameSite=\(sameSite.rawValue)"
    }

    /// Refuses settings browsers would ignore or that weaken the cookie: a name or value that
    /// is not an RFC 6265 token, SameSite=None without Secure, a `__Secure-`/`__Host-` prefix
    /// whose rules are not met.
    package func validate(effectivePath: String) throws(SettingsError) {
        guard isOn else { return }
        guard Self.isToken(name) else {
            throw SettingsError("AUTHD_REFRESH_COOKIE: expected a cookie name (RFC 6265 token characters), got \"\(name)\"")
        }
        if sameSite == .none && !secure {
            throw SettingsError("AUTHD_REFRESH_COOKIE_SAMESITE=None needs AUTHD_REFRESH_COOKIE_SECURE=true (browsers refuse it otherwise)")
        }
        if name.hasPrefix("__Secure-") || name.hasPrefix("__Host-"), !secure {
            throw SettingsError("AUTHD_REFRESH_COOKIE: a \(name.hasPrefix("__Host-") ? "__Host-" : "__Secure-") cookie needs AUTHD_REFRESH_COOKIE_SECURE=true")
        }
        if name.hasPrefix("__Host-"), domain != nil || effectivePath != "/" {
            throw SettingsError("AUTHD_REFRESH_COOKIE: a __Host- cookie needs AUTHD_REFRESH_COOKIE_PATH=/ and no AUTHD_REFRESH_COOKIE_DOMAIN")
        }
    }

    /// RFC 6265's cookie-name: an RFC 7230 token.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 256 && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !#"()<>@,;:\"/[]?={}"#.utf8.contains(byte)
        }
    }

    /// A path or domain attribute: printable ASCII without ";" (which would end the attribute).
    static func isAttributeValue(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }
    }
}

/// The Cookie request header (RFC 6265 §5.4: `name=value` pairs separated by "; ").
/// Attacker bytes: it never traps, and takes what it cannot read as absent.
package enum CookieHeader {
    /// The value of the first cookie called `name` (browsers send the most specific path's
    /// first), without surrounding double quotes; nil when absent or empty.
    package static func value(named name: String, in header: String?) -> String? {
        guard let header, !name.isEmpty else { return nil }
        for pair in Array(header.utf8).split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = trimmed(pair[pair.startIndex..<equals])
            guard key.elementsEqual(name.utf8) else { continue }
            var value = trimmed(pair[pair.index(after: equals)...])
            if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
                value = value.dropFirst().dropLast()
            }
            // A cookie-octet is printable ASCII without space, quote, comma, semicolon or backslash.
            guard !value.isEmpty, value.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x2C && $0 != 0x5C }) else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
        return nil
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }
}
