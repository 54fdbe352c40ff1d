// Browser clients on a loop: CORS headers and preflights, the Origin check that guards the
// refresh cookie against cross-site requests (CSRF), and the cookie read and written.
import EventLoop
import JSON

extension AuthService {
    /// With CORS on, gives every answer to `request` its CORS headers, and answers a preflight
    /// here, before routing, as django-cors-headers does (200, empty body, on any path).
    /// True when `request` has been answered.
    func answerCrossOrigin(_ request: HTTPRequest) -> Bool {
        let cors = settings.cors
        guard cors.isOn else { return false }
        let method = request.method.rawValue
        request.extraHeaders = cors.headers(origin: request.header("Origin"), method: method)
        guard cors.isPreflight(method: method, requestMethod: request.header("Access-Control-Request-Method")) else { return false }
        request.respond(status: 200, body: [], contentType: "text/plain; charset=utf-8")
        return true
    }

    /// With the refresh cookie on, Django's CSRF origin check for state-changing requests: a
    /// request that says where it comes from (`Origin`, which browsers send on every
    /// cross-origin POST) must come from a trusted origin, and one that carries the cookie
    /// must say where it comes from (`Origin`, else `Referer`). A client that sends neither
    /// header nor the cookie is not a browser acting for someone else, and passes, so
    /// simplejwt's clients keep working. Checking every browser request, not only those with
    /// the cookie, also stops login CSRF: a foreign page logging the victim's browser into
    /// the attacker's account by planting the attacker's cookie.
    func checkOrigin(_ request: HTTPRequest) throws(APIError) {
        guard settings.refreshCookie.isOn else { return }
        switch request.method {
        case .GET, .HEAD, .OPTIONS, .TRACE: return
        default: break
        }
        if let origin = request.header("Origin") {
            guard trusts(origin, request) else {
                throw APIError.csrfFailed("Origin checking failed - \(origin) does not match any trusted origins.")
            }
            return
        }
        guard refreshCookie(request) != nil else { return }
        guard let referer = request.header("Referer") else { throw APIError.csrfFailed("Referer checking failed - no Referer.") }
        guard let origin = WebOrigin.of(url: referer) else { throw APIError.csrfFailed("Referer checking failed - Referer is malformed.") }
        guard trusts(origin, request) else {
            throw APIError.csrfFailed("Referer checking failed - \(referer) does not match any trusted origins.")
        }
    }

    /// An origin is trusted when CORS allows it, or when it is authd's own: this Host, on
    /// https when the cookie is Secure (a TLS proxy in front of authd is then assumed), else http.
    private func trusts(_ origin: String, _ request: HTTPRequest) -> Bool {
        if settings.cors.allows(origin) { return true }
        guard let host = request.header("Host"), let normalized = WebOrigin.normalized(origin) else { return false }
        return normalized == (settings.refreshCookie.secure ? "https://" : "http://") + host.lowercased()
    }

    /// The refresh cookie's value, when cookies are on and the request carries one.
    func refreshCookie(_ request: HTTPRequest) -> String? {
        guard settings.refreshCookie.isOn else { return nil }
        return CookieHeader.value(named: settings.refreshCookie.name, in: request.header("Cookie"))
    }

    /// The refresh token of a refresh or blacklist request: the body's `refresh` field or,
    /// when the body has none, the cookie. With neither it is DRF's "This field is required.".
    func refreshToken(_ request: HTTPRequest) throws(APIError) -> (token: String, fromCookie: Bool) {
        let data = try data(of: request)
        if !data.contains("refresh"), let cookie = refreshCookie(request) { return (cookie, true) }
        return (try data.charFields(["refresh"])[0], false)
    }

    /// `Set-Cookie` for a refresh token just issued, when cookies are on.
    func settingRefreshCookie(_ token: String) -> [(String, String)] {
        guard settings.refreshCookie.isOn else { return [] }
        return [settings.refreshCookie.setting(token, maxAge: settings.refreshTokenLifetime, path: settings.refreshCookiePath)]
    }

    /// `Set-Cookie` that removes the refresh cookie, when cookies are on.
    func clearingRefreshCookie() -> [(String, String)] {
        guard settings.refreshCookie.isOn else { return [] }
        return [settings.refreshCookie.clearing(path: settings.refreshCookiePath)]
    }

    /// The body of an answer that issues a refresh token: the token stays in it (simplejwt's
    /// clients read it there) unless AUTHD_REFRESH_COOKIE_IN_BODY leaves it to the cookie alone.
    func refreshAnswerBody(_ body: JSONObject) -> JSONObject {
        guard settings.refreshCookie.isOn, !settings.refreshCookie.inBody else { return body }
        var body = body
        body["refresh"] = nil
        return body
    }
}
