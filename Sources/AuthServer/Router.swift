// The routes authd serves and which methods each allows.

/// A known endpoint.
enum Route: Int, CaseIterable {
    case obtainPair, refresh, verify, blacklist, revokeAll, currentUser, health, readiness, metrics, openAPI, keySet

    var path: String {
        switch self {
        case .obtainPair: "/api/token/"
        case .refresh: "/api/token/refresh/"
        case .verify: "/api/token/verify/"
        case .blacklist: "/api/token/blacklist/"
        case .revokeAll: "/api/token/revoke-all/"
        case .currentUser: "/api/users/me/"
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .metrics: "/metrics"
        case .openAPI: "/openapi.json"
        case .keySet: "/.well-known/jwks.json"
        }
    }

    /// As DRF's views list them in `Allow` (the token views are POST-only APIViews).
    var allowedMethods: [String] {
        switch self {
        case .obtainPair, .refresh, .verify, .blacklist, .revokeAll: ["POST", "OPTIONS"]
        case .currentUser: ["GET", "HEAD", "OPTIONS"]
        case .health, .readiness, .metrics, .openAPI, .keySet: ["GET", "HEAD"]
        }
    }

    private static let byPath: [String: Route] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.path, $0) })

    /// What to do with a request path.
    enum Match {
        case route(Route)
        /// Django's APPEND_SLASH: a known path without its trailing slash is redirected (301).
        case redirect(String)
        case notFound
    }

    static func match(_ path: String) -> Match {
        if let route = byPath[path] { return .route(route) }
        if !path.hasSuffix("/"), let route = byPath[path + "/"] { return .redirect(route.path) }
        return .notFound
    }
}
