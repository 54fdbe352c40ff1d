// The routes authd serves, where (the token views' paths are settings) and which methods each allows.

/// A known endpoint.
enum Route: Int, CaseIterable {
    case obtainPair, refresh, verify, blacklist, obtainSliding, refreshSliding, revokeAll, currentUser, changePassword
    case health, readiness, metrics, openAPI, keySet

    /// The route's path: the configured one for simplejwt's views, authd's own for the rest.
    func path(_ paths: RoutePaths) -> String {
        switch self {
        case .obtainPair: paths.obtainPair
        case .refresh: paths.refresh
        case .verify: paths.verify
        case .blacklist: paths.blacklist
        case .obtainSliding: paths.obtainSliding
        case .refreshSliding: paths.refreshSliding
        case .revokeAll: "/api/token/revoke-all/"
        case .currentUser: "/api/users/me/"
        case .changePassword: "/api/users/me/password/"
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
        case .obtainPair, .refresh, .verify, .blacklist, .obtainSliding, .refreshSliding, .revokeAll, .changePassword: ["POST", "OPTIONS"]
        case .currentUser: ["GET", "HEAD", "OPTIONS"]
        case .health, .readiness, .metrics, .openAPI, .keySet: ["GET", "HEAD"]
        }
    }
}

/// Request paths to routes, for the configured paths.
struct Router: Sendable {
    private let byPath: [String: Route]

    /// Fails when two routes are given one path.
    init(paths: RoutePaths) throws(SettingsError) {
        var byPath: [String: Route] = [:]
        for route in Route.allCases {
            let path = route.path(paths)
            if let other = byPath[path] { throw SettingsError("\(path) is configured for two views (\(other) and \(route))") }
            byPath[path] = route
        }
        self.byPath = byPath
    }

    /// What to do with a request path.
    enum Match {
        case route(Route)
        /// Django's APPEND_SLASH: a known path without its trailing slash is redirected (301).
        case redirect(String)
        case notFound
    }

    func match(_ path: String) -> Match {
        if let route = byPath[path] { return .route(route) }
        if !path.hasSuffix("/"), byPath[path + "/"] != nil { return .redirect(path + "/") }
        return .notFound
    }
}
