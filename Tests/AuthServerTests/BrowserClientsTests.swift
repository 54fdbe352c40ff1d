// Browser clients' pure parts: the Cookie header read, Set-Cookie written, origins compared,
// CORS headers chosen, and their settings.
@testable import AuthServer
import Testing

@Suite("Cookie header")
struct CookieHeaderTests {
    @Test("the named cookie's value is found among others, spaces and quotes aside", arguments: [
        ("refresh=abc.def.ghi", "abc.def.ghi"),
        ("a=1; refresh=abc; b=2", "abc"),
        ("a=1;refresh=abc;b=2", "abc"),
        ("  refresh = abc  ; x=y", "abc"),
        ("refresh=\"abc\"", "abc"),
        ("refresh=abc; refresh=def", "abc"),
        ("refreshX=no; Xrefresh=no; refresh=yes", "yes"),
        ("a=b=c; refresh=x=y", "x=y"),
    ])
    func found(header: String, value: String) {
        #expect(CookieHeader.value(named: "refresh", in: header) == value)
    }

    @Test("an absent, empty or malformed cookie is absent", arguments: [
        "", ";", ";;;", "refresh", "refresh=", "refresh=\"\"", "refresh=a b", "refresh=a,b", "refresh=a\\b", "refresh=\"a",
        "Refresh=abc", "other=abc", "=abc", "refresh=\u{7F}", "refresh=caf\u{E9}", "refresh=\t",
    ])
    func absent(header: String) {
        #expect(CookieHeader.value(named: "refresh", in: header) == nil)
    }

    @Test("no header, or no name, is no cookie")
    func nothing() {
        #expect(CookieHeader.value(named: "refresh", in: nil) == nil)
        #expect(CookieHeader.value(named: "", in: "=abc") == nil)
    }

    @Test("any bytes at all never trap")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("refsh=; \t\"\\,a.\u{0}".utf8) + [0xFF, 0xC3, 0x80]
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let header = String(decoding: bytes, as: UTF8.self)
            if let value = CookieHeader.value(named: "refresh", in: header) {
                #expect(!value.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F })
            }
        }
    }
}

@Suite("Refresh cookie")
struct RefreshCookieTests {
    func cookie(_ configure: (inout RefreshCookie) -> Void = { _ in }) -> RefreshCookie {
        var cookie = RefreshCookie()
        cookie.name = "refresh_token"
        configure(&cookie)
        return cookie
    }

    @Test("it is set HttpOnly, Secure, SameSite=Strict by default, for the refresh lifetime, on its path")
    func setting() {
        #expect(cookie().setting("a.b.c", maxAge: 86_400, path: "/api/token/") ==
            ("Set-Cookie", "refresh_token=a.b.c; Max-Age=86400; Path=/api/token/; HttpOnly; Secure; SameSite=Strict"))
        let configured = cookie {
            $0.secure = false
            $0.sameSite = .lax
            $0.domain = "example.com"
        }
        #expect(configured.setting("t", maxAge: 60, path: "/").1 == "refresh_token=t; Max-Age=60; Path=/; Domain=example.com; HttpOnly; SameSite=Lax")
    }

    @Test("it is cleared with the same attributes and Max-Age=0")
    func clearing() {
        #expect(cookie().clearing(path: "/api/token/") ==
            ("Set-Cookie", "refresh_token=; Max-Age=0; Path=/api/token/; HttpOnly; Secure; SameSite=Strict"))
    }

    @Test("the default path is the longest one covering refresh, blacklist and revoke-all", arguments: [
        (["/api/token/refresh/", "/api/token/blacklist/", "/api/token/revoke-all/"], "/api/token/"),
        (["/auth/jwt/refresh/", "/api/token/blacklist/", "/api/token/revoke-all/"], "/"),
        (["/api/token/refresh/", "/api/tokens/blacklist/", "/api/token/revoke-all/"], "/api/"),
        (["/api/token/refresh/"], "/api/token/refresh/"),
        ([], "/"),
    ])
    func defaultPath(paths: [String], expected: String) {
        #expect(RefreshCookie.defaultPath(paths) == expected)
    }

    @Test("the settings' path follows the configured view paths")
    func settingsPath() {
        var settings = Settings()
        #expect(settings.refreshCookiePath == "/api/token/")
        settings.paths.refresh = "/auth/jwt/refresh/"
        #expect(settings.refreshCookiePath == "/")
        settings.refreshCookie.path = "/auth/"
        #expect(settings.refreshCookiePath == "/auth/")
    }

    @Test("settings browsers would refuse are refused at start", arguments: [
        ["AUTHD_REFRESH_COOKIE": "bad name"],
        ["AUTHD_REFRESH_COOKIE": "a;b"],
        ["AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_SAMESITE": "None", "AUTHD_REFRESH_COOKIE_SECURE": "false"],
        ["AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_SAMESITE": "sometimes"],
        ["AUTHD_REFRESH_COOKIE": "__Secure-rt", "AUTHD_REFRESH_COOKIE_SECURE": "false"],
        ["AUTHD_REFRESH_COOKIE": "__Host-rt"],
        ["AUTHD_REFRESH_COOKIE": "__Host-rt", "AUTHD_REFRESH_COOKIE_PATH": "/", "AUTHD_REFRESH_COOKIE_DOMAIN": "example.com"],
        ["AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_PATH": "api/"],
        ["AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_PATH": "/a;Domain=evil"],
        ["AUTHD_REFRESH_COOKIE": "rt", "AUTHD_REFRESH_COOKIE_DOMAIN": "a b"],
    ])
    func refusals(environment: [String: String]) {
        #expect(throws: SettingsError.self) { _ = try Settings.fromEnvironment(environment) { _ in [] } }
    }

    @Test("the settings are read; without them cookies are off")
    func settings() throws {
        #expect(!(try Settings.fromEnvironment([:]) { _ in [] }).refreshCookie.isOn)
        let s = try Settings.fromEnvironment([
            "AUTHD_REFRESH_COOKIE": "__Host-rt", "AUTHD_REFRESH_COOKIE_PATH": "/", "AUTHD_REFRESH_COOKIE_SAMESITE": "lax",
            "AUTHD_REFRESH_COOKIE_IN_BODY": "false",
        ]) { _ in [] }
        #expect(s.refreshCookie.isOn && s.refreshCookie.name == "__Host-rt" && s.refreshCookie.sameSite == .lax)
        #expect(s.refreshCookie.secure && !s.refreshCookie.inBody && s.refreshCookiePath == "/")
    }
}

@Suite("Origins and CORS")
struct CrossOriginTests {
    @Test("origins compare by scheme, host and port, ASCII case aside", arguments: [
        ("https://app.example.com", "https://app.example.com"),
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("null", "null"),
    ])
    func normalized(text: String, origin: String) {
        #expect(WebOrigin.normalized(text) == origin)
    }

    @Test("what is not exactly an origin is none", arguments: [
        "", "app.example.com", "https://", "https://app.example.com/", "https://app.example.com/path", "https://a.com?x",
        "https://user@app.example.com", "https://app example.com", "1https://a.com", "://a.com", "NULL", "https://a.com\r\nX: y",
    ])
    func notOrigins(text: String) {
        #expect(WebOrigin.normalized(text) == nil)
    }

    @Test("a URL's origin is its scheme and authority", arguments: [
        ("https://app.example.com/login?next=/", "https://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://App.example.com#x", "https://app.example.com"),
    ])
    func urlOrigin(url: String, origin: String) {
        #expect(WebOrigin.of(url: url) == origin)
    }

    @Test("URLs without an origin have none", arguments: ["", "/relative", "https:///path", "mailto:x@y", "https://u@h/"])
    func urlWithoutOrigin(url: String) {
        #expect(WebOrigin.of(url: url) == nil)
    }

    func policy(_ origins: String, regexes: String = "") throws -> CORSPolicy {
        var policy = CORSPolicy()
        policy.allowedOrigins = try CORSPolicy.origins(setting: origins)
        policy.allowedOriginRegexes = try OriginPattern.list(setting: regexes)
        return policy
    }

    @Test("only listed origins are allowed, exactly; null only when listed")
    func allows() throws {
        let cors = try policy("https://app.example.com, http://localhost:3000")
        #expect(cors.allows("https://app.example.com") && cors.allows("http://localhost:3000"))
        for origin in ["https://evil.example", "http://app.example.com", "https://app.example.com:443", "https://app.example.com.evil.example",
            "https://sub.app.example.com", "null", "", "https://app.example.com/"]
        {
            #expect(!cors.allows(origin), "\(origin)")
        }
        #expect(try policy("null").allows("null"))
        #expect(!CORSPolicy().isOn && !CORSPolicy().allows("https://app.example.com"))
    }

    @Test("regexes match from the origin's start, as Python's re.match")
    func regexes() throws {
        let cors = try policy("", regexes: #"^https://\w+\.example\.com$ http://localhost:\d{2,5}"#)
        #expect(cors.isOn)
        #expect(cors.allows("https://app.example.com") && cors.allows("http://localhost:3000"))
        #expect(!cors.allows("https://app.example.com.evil.example") && !cors.allows("https://evil.example/https://a.example.com"))
        #expect(throws: SettingsError.self) { _ = try OriginPattern("(unclosed") }
    }

    @Test("an allowed origin gets its CORS headers; any other only Vary")
    func headers() throws {
        var cors = try policy("https://app.example.com")
        #expect(cors.headers(origin: "https://evil.example", method: "POST").map(\.0) == ["Vary"])
        #expect(cors.headers(origin: nil, method: "POST").map(\.0) == ["Vary"])
        #expect(cors.headers(origin: "https://app.example.com", method: "POST").map { "\($0.0): \($0.1)" } ==
            ["Vary: Origin", "Access-Control-Allow-Origin: https://app.example.com"])
        cors.allowCredentials = true
        cors.exposeHeaders = ["x-request-id"]
        #expect(cors.headers(origin: "https://app.example.com", method: "OPTIONS").map { "\($0.0): \($0.1)" } == [
            "Vary: Origin", "Access-Control-Allow-Origin: https://app.example.com", "Access-Control-Allow-Credentials: true",
            "Access-Control-Expose-Headers: x-request-id",
            "Access-Control-Allow-Headers: accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with",
            "Access-Control-Allow-Methods: DELETE, GET, OPTIONS, PATCH, POST, PUT", "Access-Control-Max-Age: 86400",
        ])
        cors.preflightMaxAge = 0
        #expect(!cors.headers(origin: "https://app.example.com", method: "OPTIONS").contains { $0.0 == "Access-Control-Max-Age" })
    }

    @Test("a preflight is an OPTIONS asking with Access-Control-Request-Method, with CORS on")
    func preflight() throws {
        let cors = try policy("https://app.example.com")
        #expect(cors.isPreflight(method: "OPTIONS", requestMethod: "POST"))
        #expect(!cors.isPreflight(method: "OPTIONS", requestMethod: nil))
        #expect(!cors.isPreflight(method: "POST", requestMethod: "POST"))
        #expect(!CORSPolicy().isPreflight(method: "OPTIONS", requestMethod: "POST"))
    }

    @Test("allowed origins that are not origins are refused at start")
    func settingRefusals() {
        for value in ["app.example.com", "https://app.example.com/path", "*"] {
            #expect(throws: SettingsError.self) { _ = try Settings.fromEnvironment(["AUTHD_CORS_ALLOWED_ORIGINS": value]) { _ in [] } }
        }
    }
}
