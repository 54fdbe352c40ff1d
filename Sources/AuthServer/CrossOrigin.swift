// Web origins and CORS, as django-cors-headers 4.9 answers them (its settings are the model):
// which origins may read authd's answers from a browser, and the headers that tell the browser so.

/// An origin as browsers serialize it in `Origin` (RFC 6454): `scheme://host[:port]`, or "null".
package enum WebOrigin {
    /// `text` as an origin, scheme and host lower-cased for comparison; nil when it is not
    /// exactly an origin (a path, a query, user info, spaces: browsers send none of these).
    package static func normalized(_ text: String) -> String? {
        if text == "null" { return text }
        guard let (scheme, rest) = split(text) else { return nil }
        guard !rest.isEmpty, isHostAndPort(rest) else { return nil }
        return scheme + "://" + rest.lowercased()
    }

    /// The origin of a URL such as a `Referer` (`scheme://host[:port]` and whatever follows),
    /// normalized; nil when it has none.
    package static func of(url text: String) -> String? {
        guard let (scheme, rest) = split(text) else { return nil }
        let authority = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.isEmpty, isHostAndPort(authority) else { return nil }
        return scheme + "://" + authority.lowercased()
    }

    /// The lower-cased scheme and what follows "://".
    private static func split(_ text: String) -> (String, Substring)? {
        guard let separator = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.utf8.first, isLetter(first), scheme.utf8.allSatisfy(isSchemeByte) else { return nil }
        return (scheme.lowercased(), text[separator.upperBound...])
    }

    /// A host (name, IPv4 or bracketed IPv6) and an optional port: no user info, no spaces.
    private static func isHostAndPort(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy(isHostByte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."): return true
        default: return false
        }
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "%"):
            return true
        default: return false
        }
    }
}

/// AUTHD_CORS_*: django-cors-headers' CORS_* settings. Off while no origin is allowed (the
/// default), and then answers carry no CORS header at all, not even `Vary`.
package struct CORSPolicy: Sendable {
    /// CORS_ALLOWED_ORIGINS, normalized (`WebOrigin.normalized`).
    package var allowedOrigins: [String] = []
    /// CORS_ALLOWED_ORIGIN_REGEXES: matched from the origin's start, as Python's `re.match`.
    package var allowedOriginRegexes: [OriginPattern] = []
    package var allowCredentials = false
    /// django-cors-headers' defaults.
    package var allowHeaders = ["accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with"]
    package var allowMethods = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
    /// Seconds; 0 sends no Access-Control-Max-Age.
    package var preflightMaxAge = 86_400
    package var exposeHeaders: [String] = []

    package init() {}

    package var isOn: Bool { !allowedOrigins.isEmpty || !allowedOriginRegexes.isEmpty }

    /// Whether `origin` (an `Origin` header as sent) is allowed: exactly one of the listed
    /// origins (ASCII case aside), "null" only when listed, or matched by a regex.
    package func allows(_ origin: String) -> Bool {
        guard let normalized = WebOrigin.normalized(origin) else { return false }
        return allowedOrigins.contains(normalized) || allowedOriginRegexes.contains { $0.matches(origin) }
    }

    /// A preflight: OPTIONS asking with `Access-Control-Request-Method`. django-cors-headers
    /// answers it 200 with an empty body before any view sees it, on every path.
    package func isPreflight(method: String, requestMethod: String?) -> Bool {
        isOn && method == "OPTIONS" && requestMethod != nil
    }

    /// The headers every answer to a request from `origin` gets (`Vary: Origin` always, since
    /// the answer depends on it; the rest only for an allowed origin).
    package func headers(origin: String?, method: String) -> [(String, String)] {
        var headers = [("Vary", "Origin")]
        guard let origin, !origin.isEmpty, allows(origin) else { return headers }
        headers.append(("Access-Control-Allow-Origin", origin))
        if allowCredentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
        if !exposeHeaders.isEmpty { headers.append(("Access-Control-Expose-Headers", exposeHeaders.joined(separator: ", "))) }
        if method == "OPTIONS" {
            headers.append(("Access-Control-Allow-Headers", allowHeaders.joined(separator: ", ")))
            headers.append(("Access-Control-Allow-Methods", allowMethods.joined(separator: ", ")))
            if preflightMaxAge > 0 { headers.append(("Access-Control-Max-Age", String(preflightMaxAge))) }
        }
        return headers
    }

    /// AUTHD_CORS_ALLOWED_ORIGINS: comma-separated origins, each `scheme://host[:port]` or "null".
    static func origins(setting value: String) throws(SettingsError) -> [String] {
        var origins: [String] = []
        for item in value.split(separator: ",") {
            let text = item.trimmingWhitespace
            guard !text.isEmpty else { continue }
            guard let origin = WebOrigin.normalized(text) else {
                throw SettingsError("AUTHD_CORS_ALLOWED_ORIGINS: \"\(text)\" is not an origin such as https://app.example.com (scheme and host, no path)")
            }
            origins.append(origin)
        }
        return origins
    }
}

/// One CORS_ALLOWED_ORIGIN_REGEXES entry.
package struct OriginPattern: @unchecked Sendable {
    // Shared read-only by every loop. A Regex compiles its matching program lazily, on first
    // use; that first match is made here, at start-up, so the loops only ever read it.
    // The patterns are the operator's: a pattern that backtracks badly is theirs to avoid.
    private let regex: Regex<AnyRegexOutput>
    package let source: String

    package init(_ source: String) throws(SettingsError) {
        do {
            regex = try Regex(source)
            _ = try regex.prefixMatch(in: "https://example.com")
        } catch {
            throw SettingsError("AUTHD_CORS_ALLOWED_ORIGIN_REGEXES: \"\(source)\" is not a regular expression")
        }
        self.source = source
    }

    /// Python's `re.match`: anchored at the start, not at the end (write `$` to anchor it).
    func matches(_ origin: String) -> Bool {
        (try? regex.prefixMatch(in: origin)) != nil
    }

    /// Separated by spaces (a regex may hold commas).
    static func list(setting value: String) throws(SettingsError) -> [OriginPattern] {
        var patterns: [OriginPattern] = []
        for item in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            patterns.append(try OriginPattern(String(item)))
        }
        return patterns
    }
}
