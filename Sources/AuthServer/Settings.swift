// authd's settings: simplejwt's SIMPLE_JWT options plus the server's own, read from the environment.
package import JWT
import JSON
package import Passwords

/// Everything `authd serve` is configured with. Built once at start-up, then shared read-only
/// by every loop and worker.
package struct Settings: Sendable {
    /// `host:port` to listen on.
    package var listen: String = "127.0.0.1:8000"
    /// libpq connection URL or keyword string.
    package var databaseURL: String = ""
    package var algorithm: JWSAlgorithm = .HS256
    /// The signing key: an HMAC secret's bytes, or a PEM private key's text.
    package var signingKey: [UInt8] = []
    /// AUTHD_SIGNING_KEY_FILE, read again on SIGHUP.
    package var signingKeyFile: String?
    /// AUTHD_SIGNING_KEYS_DIR: keys with ids, one active (see SigningKeys), read at start and on SIGHUP.
    package var signingKeysDirectory: String?
    /// Seconds (simplejwt's defaults: 5 minutes and 1 day).
    package var accessTokenLifetime: Int = 300
    package var refreshTokenLifetime: Int = 86_400
    package var rotateRefreshTokens = false
    package var blacklistAfterRotation = false
    /// Seconds after a rotation during which presenting the rotated token again hands out the
    /// same successor instead of revoking the family (0: never, simplejwt's behaviour).
    package var refreshReuseInterval = 0
    /// Seconds of clock skew allowed on exp, nbf and iat.
    package var leeway: Int = 0
    package var audience: Audience?
    package var issuer: String?
    /// AUTH_HEADER_TYPES (the first one names the 401's challenge) and AUTH_HEADER_NAME, as the
    /// HTTP header it means (Django's META key HTTP_AUTHORIZATION is `Authorization`).
    package var authHeaderTypes = ["Bearer"]
    package var authHeaderName = "Authorization"
    /// TOKEN_TYPE_CLAIM and JTI_CLAIM.
    package var tokenTypeClaim = "token_type"
    package var jtiClaim = "jti"
    /// CHECK_REVOKE_TOKEN: tokens carry REVOKE_TOKEN_CLAIM, the MD5 of the user's stored hash, and
    /// the protected route refuses a token whose claim no longer matches (password changed).
    package var checkRevokeToken = false
    package var revokeTokenClaim = "hash_password"
    /// SLIDING_TOKEN_LIFETIME, SLIDING_TOKEN_REFRESH_LIFETIME (seconds), SLIDING_TOKEN_REFRESH_EXP_CLAIM.
    package var slidingTokenLifetime = 300
    package var slidingTokenRefreshLifetime = 86_400
    package var slidingTokenRefreshExpClaim = "refresh_exp"
    /// AUTH_TOKEN_CLASSES: what the protected route accepts, tried in order.
    package var authTokenClasses: [TokenClass] = [.access]
    /// User columns copied into every token at login, after simplejwt's own claims (what a
    /// `get_token` override adding user fields does).
    package var tokenClaims: [String] = []
    /// Where each token view is served (djoser serves them at /auth/jwt/create/ and the like).
    package var paths = RoutePaths()
    /// Browser clients: the refresh token's cookie (off by default) and CORS (off by default).
    package var refreshCookie = RefreshCookie()
    package var cors = CORSPolicy()
    /// Event-loop threads; worker threads for password hashing and RSA signing.
    package var loopThreads: Int = 0
    package var workerThreads: Int = 0
    /// PBKDF2 iterations for new password hashes (Django 5.2's default).
    package var hashIterations: Int = 1_000_000
    /// Django's PASSWORD_HASHERS: the first makes new hashes, the others are still accepted.
    package var passwordHashers: [HasherAlgorithm] = HasherAlgorithm.djangoDefault
    package var updateLastLogin = false
    /// A claim naming the session (refresh-token family) in every token, so GET /api/sessions/
    /// can say which session is the caller's; empty (the default) adds no claim.
    package var sessionClaim = ""
    /// MinimumLengthValidator's min_length for POST /api/users/me/password/.
    package var passwordMinimumLength = 8
    /// The Django user model's table and fields (AUTH_USER_MODEL's db_table, USERNAME_FIELD,
    /// simplejwt's USER_ID_FIELD and USER_ID_CLAIM).
    package var userTable = "auth_user"
    package var usernameField = "username"
    package var userIDField = "id"
    package var userIDClaim = "user_id"
    /// Logins match the username ignoring case (Django matches it exactly).
    package var usernameCaseInsensitive = false
    /// Postgres connections per loop.
    package var databaseConnectionsPerLoop: Int = 2
    /// False for a pooler in transaction mode: no prepared statements.
    package var databasePreparedStatements = true
    /// The per-instance cache of users and token states, kept true by PostgreSQL's notifications.
    package var cache = true
    /// Bytes the cache may hold (its own estimate of its entries, see `CacheEntryCost`).
    package var cacheBudget: Int = 64 << 20
    /// The connection that LISTENs for changes; empty: DATABASE_URL. Must reach PostgreSQL
    /// itself (or a session-mode pooler): a transaction-mode pooler does not carry LISTEN.
    package var cacheDatabaseURL = ""
    /// Seconds within which every request is answered.
    package var requestDeadline: Double = 10
    /// Largest request body accepted, bytes: Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so
    /// every body Django reads, authd reads too.
    package var maxBodyBytes: Int = 2_621_440
    /// Client connections at once, over all loops; 0 derives it from the descriptor limit.
    package var maxConnections: Int = 0
    /// Seconds for a request head (from a new connection's accept, or the request's first byte).
    package var headerTimeout: Int = 10
    /// Seconds for a body from the end of its head, plus its size at `bodyMinRate` bytes/s.
    package var bodyTimeout: Int = 10
    package var bodyMinRate: Int = 65_536
    /// Seconds a connection may stay idle between requests.
    package var keepAliveTimeout: Int = 75
    /// Seconds for an answer to leave before a client that does not read is closed.
    package var writeTimeout: Int = 30
    /// Bytes of request bodies held in memory at once, over all connections.
    package var bodyBudget: Int = 64 << 20
    /// Lines below this level are not written; the access log is at `.info`.
    package var logLevel: LogLevel = .info
    package var logFormat: LogFormat = .text
    /// Brute-force protection: failed logins counted per client address and username.
    package var loginThrottle = LoginThrottleSettings()
    /// Peers whose X-Forwarded-For names the client (reverse proxies, load balancers).
    package var trustedProxies = TrustedProxies()

    package init() {}
}

/// One environment variable authd reads: its name and what it sets.
package struct SettingVariable: Sendable {
    package let name: String
    package let help: String
    let apply: @Sendable (inout Settings, String) throws(SettingsError) -> Void
}

package struct SettingsError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension Settings {
    /// The longest lifetime or leeway accepted: beyond it `exp` arithmetic could overflow, and no
    /// deployment needs more.
    static let tenYears = 315_360_000

    /// The variables, in the order `authd serve --help` lists them.
    package static let variables: [SettingVariable] = [
        .text("AUTHD_LISTEN", "host:port to listen on (default 127.0.0.1:8000)") { $0.listen = $1 },
        .text("DATABASE_URL", "PostgreSQL connection URL (required)") { $0.databaseURL = $1 },
        .text("AUTHD_SIGNING_KEY", "HMAC secret, or PEM private key for RS/PS/ES/EdDSA") { $0.signingKey = Array($1.utf8) },
        .text(
            "AUTHD_SIGNING_KEYS_DIR",
            "directory of keys with ids, instead of one key: <kid>.key (HMAC secret) or <kid>.pem files, and a file `active` naming the one that signs; tokens carry kid; re-read on SIGHUP"
        ) { $0.signingKeysDirectory = $1.isEmpty ? nil : $1 },
        SettingVariable(name: "AUTHD_ALGORITHM", help: "HS256 (default), HS384, HS512, RS256..512, PS256..512, ES256..512, EdDSA") { s, v throws(SettingsError) in
            guard let algorithm = JWSAlgorithm(headerValue: v) else { throw SettingsError("AUTHD_ALGORITHM: unknown algorithm \"\(v)\"") }
            s.algorithm = algorithm
        },
        .integer("AUTHD_ACCESS_TOKEN_LIFETIME", "seconds (default 300)", \.accessTokenLifetime, maximum: tenYears),
        .integer("AUTHD_REFRESH_TOKEN_LIFETIME", "seconds (default 86400)", \.refreshTokenLifetime, maximum: tenYears),
        .flag("AUTHD_ROTATE_REFRESH_TOKENS", "true: refresh returns a new refresh token too", \.rotateRefreshTokens),
        .flag("AUTHD_BLACKLIST_AFTER_ROTATION", "true: a rotated refresh token is revoked", \.blacklistAfterRotation),
        .integer(
            "AUTHD_REFRESH_REUSE_INTERVAL", "seconds a rotated refresh token may be presented again for the same successor (default 0)",
            \.refreshReuseInterval, minimum: 0, maximum: 3600),
        .integer("AUTHD_LEEWAY", "seconds of clock skew allowed (default 0)", \.leeway, minimum: 0, maximum: tenYears),
        SettingVariable(name: "AUTHD_AUDIENCE", help: "aud claim to issue and require: a string, or a JSON list of strings (default none)") {
            settings, value throws(SettingsError) in settings.audience = try Audience(setting: value)
        },
        .text("AUTHD_ISSUER", "iss claim to issue and require (default none)") { $0.issuer = $1.isEmpty ? nil : $1 },
        .list("AUTHD_AUTH_HEADER_TYPES", "Authorization schemes accepted, comma-separated (default Bearer)", \.authHeaderTypes),
        SettingVariable(name: "AUTHD_AUTH_HEADER_NAME", help: "Django's META name of the token's header (default HTTP_AUTHORIZATION)") {
            settings, value throws(SettingsError) in settings.authHeaderName = try headerName(metaKey: value)
        },
        .identifier("AUTHD_TOKEN_TYPE_CLAIM", "the claim naming a token's type (default token_type)", \.tokenTypeClaim),
        .identifier("AUTHD_JTI_CLAIM", "the claim holding a token's id (default jti)", \.jtiClaim),
        .flag("AUTHD_CHECK_REVOKE_TOKEN", "true: a password change revokes the user's tokens (simplejwt's CHECK_REVOKE_TOKEN)", \.checkRevokeToken),
        .identifier("AUTHD_REVOKE_TOKEN_CLAIM", "the claim holding the password hash's MD5 (default hash_password)", \.revokeTokenClaim),
        .integer("AUTHD_SLIDING_TOKEN_LIFETIME", "seconds (default 300)", \.slidingTokenLifetime, maximum: tenYears),
        .integer("AUTHD_SLIDING_TOKEN_REFRESH_LIFETIME", "seconds (default 86400)", \.slidingTokenRefreshLifetime, maximum: tenYears),
        .identifier("AUTHD_SLIDING_TOKEN_REFRESH_EXP_CLAIM", "the claim of a sliding token's refresh expiry (default refresh_exp)", \.slidingTokenRefreshExpClaim),
        SettingVariable(name: "AUTHD_AUTH_TOKEN_CLASSES", help: "token classes the protected route accepts, comma-separated: AccessToken (default), SlidingToken") {
            settings, value throws(SettingsError) in settings.authTokenClasses = try TokenClass.list(setting: value)
        },
        .list("AUTHD_TOKEN_CLAIMS", "user columns copied into every token at login, comma-separated (default none)", \.tokenClaims, allowEmpty: true),
        .path("AUTHD_TOKEN_OBTAIN_PATH", "TokenObtainPairView's path (default /api/token/)", \.paths.obtainPair),
        .path("AUTHD_TOKEN_REFRESH_PATH", "TokenRefreshView's path (default /api/token/refresh/)", \.paths.refresh),
        .path("AUTHD_TOKEN_VERIFY_PATH", "TokenVerifyView's path (default /api/token/verify/)", \.paths.verify),
        .path("AUTHD_TOKEN_BLACKLIST_PATH", "TokenBlacklistView's path (default /api/token/blacklist/)", \.paths.blacklist),
        .path("AUTHD_TOKEN_OBTAIN_SLIDING_PATH", "TokenObtainSlidingView's path (default /api/token/sliding/)", \.paths.obtainSliding),
        .path("AUTHD_TOKEN_REFRESH_SLIDING_PATH", "TokenRefreshSlidingView's path (default /api/token/sliding/refresh/)", \.paths.refreshSliding),
        .text("AUTHD_REFRESH_COOKIE", "name of an HttpOnly cookie carrying the refresh token (default none: no cookie)") { $0.refreshCookie.name = $1 },
        .flag("AUTHD_REFRESH_COOKIE_SECURE", "false: the cookie is sent over plain HTTP too (default true)", \.refreshCookie.secure),
        .choice("AUTHD_REFRESH_COOKIE_SAMESITE", "Strict (default), Lax or None", \.refreshCookie.sameSite, \.spelling),
        SettingVariable(name: "AUTHD_REFRESH_COOKIE_PATH", help: "the cookie's Path (default: the longest prefix of the refresh, blacklist and revoke-all paths)") {
            settings, value throws(SettingsError) in
            guard value.hasPrefix("/"), RefreshCookie.isAttributeValue(value) else {
                throw SettingsError("AUTHD_REFRESH_COOKIE_PATH: expected a path such as /api/token/, got \"\(value)\"")
            }
            settings.refreshCookie.path = value
        },
        SettingVariable(name: "AUTHD_REFRESH_COOKIE_DOMAIN", help: "the cookie's Domain (default none: this host only)") { settings, value throws(SettingsError) in
            guard value.isEmpty || RefreshCookie.isAttributeValue(value) else {
                throw SettingsError("AUTHD_REFRESH_COOKIE_DOMAIN: expected a domain such as example.com, got \"\(value)\"")
            }
            settings.refreshCookie.domain = value.isEmpty ? nil : value
        },
        .flag("AUTHD_REFRESH_COOKIE_IN_BODY", "false: with the cookie on, the refresh token is left out of the JSON answers (default true)", \.refreshCookie.inBody),
        SettingVariable(name: "AUTHD_CORS_ALLOWED_ORIGINS", help: "origins whose pages may call authd, comma-separated (https://app.example.com; default none: no CORS)") {
            settings, value throws(SettingsError) in settings.cors.allowedOrigins = try CORSPolicy.origins(setting: value)
        },
        SettingVariable(name: "AUTHD_CORS_ALLOWED_ORIGIN_REGEXES", help: "regular expressions of allowed origins, separated by spaces, matched from the start (default none)") {
            settings, value throws(SettingsError) in settings.cors.allowedOriginRegexes = try OriginPattern.list(setting: value)
        },
        .flag("AUTHD_CORS_ALLOW_CREDENTIALS", "true: browsers may send cookies cross-origin (Access-Control-Allow-Credentials; default false)", \.cors.allowCredentials),
        .list("AUTHD_CORS_ALLOW_HEADERS", "request headers a preflight allows (default accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with)", \.cors.allowHeaders, allowEmpty: true),
        .list("AUTHD_CORS_ALLOW_METHODS", "methods a preflight allows (default DELETE, GET, OPTIONS, PATCH, POST, PUT)", \.cors.allowMethods, allowEmpty: true),
        .integer("AUTHD_CORS_PREFLIGHT_MAX_AGE", "seconds browsers may cache a preflight (default 86400; 0: no Access-Control-Max-Age)", \.cors.preflightMaxAge, minimum: 0, maximum: tenYears),
        .list("AUTHD_CORS_EXPOSE_HEADERS", "answer headers pages may read, comma-separated (default none)", \.cors.exposeHeaders, allowEmpty: true),
        .integer("AUTHD_THREADS", "event-loop threads (default: one per core)", \.loopThreads, maximum: 1024),
        .integer("AUTHD_WORKERS", "password-hashing threads (default: one per core)", \.workerThreads, maximum: 1024),
        .integer("AUTHD_HASH_ITERATIONS", "PBKDF2 iterations for new hashes (default 1000000)", \.hashIterations, maximum: PBKDF2Hasher.maximumIterations),
        SettingVariable(
            name: "AUTHD_PASSWORD_HASHERS",
            help: "Django's PASSWORD_HASHERS, comma-separated, the first preferred (default Django 5.2's: pbkdf2_sha256,pbkdf2_sha1,argon2,bcrypt_sha256,scrypt)"
        ) { s, v throws(SettingsError) in s.passwordHashers = try parsePasswordHashers(v) },
        SettingVariable(name: "AUTHD_SESSION_CLAIM", help: "claim naming the session in every token, e.g. sid (default none)") {
            settings, value throws(SettingsError) in
            guard value.isEmpty || (value.utf8.count <= 63 && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }) else {
                throw SettingsError("AUTHD_SESSION_CLAIM: expected a claim name, got \"\(value)\"")
            }
            settings.sessionClaim = value
        },
        .integer("AUTHD_PASSWORD_MIN_LENGTH", "shortest new password accepted by /api/users/me/password/ (default 8)", \.passwordMinimumLength, maximum: 4096),
        .flag("AUTHD_UPDATE_LAST_LOGIN", "true: record last_login on each login", \.updateLastLogin),
        .identifier("AUTHD_USER_TABLE", "the user model's table (default auth_user)", \.userTable),
        .identifier("AUTHD_USERNAME_FIELD", "the column users log in with, and the login body's field (default username)", \.usernameField),
        .identifier("AUTHD_USER_ID_FIELD", "the user column tokens identify users by (default id)", \.userIDField),
        .identifier("AUTHD_USER_ID_CLAIM", "the claim that holds it (default user_id)", \.userIDClaim),
        .flag("AUTHD_USERNAME_CASE_INSENSITIVE", "true: logins match the username ignoring case", \.usernameCaseInsensitive),
        .flag(
            "AUTHD_DB_PREPARED_STATEMENTS", "false behind a pooler in transaction mode (PgBouncer): every query sent unprepared (default true)",
            \.databasePreparedStatements),
        .flag("AUTHD_CACHE", "false or off: every protected request and refresh reads PostgreSQL (default true: users and token states cached, kept true by notifications)", \.cache),
        .integer("AUTHD_CACHE_BUDGET", "bytes the cache may hold (default 67108864)", \.cacheBudget, minimum: 0, maximum: 1 << 40),
        .text("AUTHD_CACHE_DATABASE_URL", "the connection that LISTENs for changes, straight to PostgreSQL (default DATABASE_URL; required behind a transaction-mode pooler)") {
            $0.cacheDatabaseURL = $1
        },
        .integer("AUTHD_DB_CONNECTIONS", "Postgres connections per loop thread (default 2)", \.databaseConnectionsPerLoop, maximum: 64),
        .integer("AUTHD_MAX_CONNECTIONS", "client connections at once (default: from the descriptor limit)", \.maxConnections, maximum: 10_000_000),
        .integer("AUTHD_HEADER_TIMEOUT", "seconds for a request head, not restarted by each byte (default 10)", \.headerTimeout, maximum: 3600),
        .integer("AUTHD_BODY_TIMEOUT", "seconds for a request body, plus its size at AUTHD_BODY_MIN_RATE (default 10)", \.bodyTimeout, maximum: 3600),
        .integer("AUTHD_BODY_MIN_RATE", "bytes per second a body must arrive at (default 65536)", \.bodyMinRate),
        .integer("AUTHD_KEEPALIVE_TIMEOUT", "seconds a connection may idle between requests (default 75)", \.keepAliveTimeout, maximum: 86_400),
        .integer("AUTHD_WRITE_TIMEOUT", "seconds for an answer to leave; a client that does not read is closed (default 30)", \.writeTimeout, maximum: 3600),
        .integer("AUTHD_BODY_BUDGET", "bytes of request bodies held at once, over all connections (default 67108864)", \.bodyBudget, maximum: 1 << 40),
        .choice("AUTHD_LOG_LEVEL", "debug, info (default: includes one line per request), warn or error", \.logLevel, \.name),
        .choice("AUTHD_LOG_FORMAT", "text (default) or json: one JSON object per line", \.logFormat, \.name),
        .flag("AUTHD_LOGIN_THROTTLE", "false: no brute-force protection (default true: failed logins are counted and limited)", \.loginThrottle.enabled),
        .rate("AUTHD_LOGIN_THROTTLE_PAIR_RATE", "failed logins of one username from one address (default 10/15m)", \.loginThrottle.pair),
        .rate("AUTHD_LOGIN_THROTTLE_ADDRESS_RATE", "failed logins from one address, any username (default 100/h)", \.loginThrottle.address),
        .rate("AUTHD_LOGIN_THROTTLE_USER_RATE", "failed logins of one username from addresses it has not logged in from (default 100/h)", \.loginThrottle.user),
        .integer(
            "AUTHD_LOGIN_THROTTLE_KNOWN_FOR", "seconds a successful login exempts its username and address from the address and user rates (default 2592000; 0: never)",
            \.loginThrottle.knownFor, minimum: 0, maximum: tenYears),
        SettingVariable(name: "AUTHD_TRUSTED_PROXIES", help: "proxies whose X-Forwarded-For names the client: addresses or CIDR networks, comma-separated (default none)") {
            settings, value throws(SettingsError) in settings.trustedProxies = try TrustedProxies(setting: value)
        },
    ]

    /// AUTHD_PASSWORD_HASHERS: Django's dotted class paths or the algorithm names, in order.
    package static func parsePasswordHashers(_ value: String) throws(SettingsError) -> [HasherAlgorithm] {
        var algorithms: [HasherAlgorithm] = []
        for entry in value.split(separator: ",") {
            let name = entry.trimmingWhitespace
            guard !name.isEmpty else { continue }
            guard let algorithm = HasherAlgorithm(setting: name) else {
                let known = HasherAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingsError(
                    "AUTHD_PASSWORD_HASHERS: unknown hasher \"\(name)\" (authd has Django 5.2's: \(known), or their django.contrib.auth.hashers class paths)")
            }
            algorithms.append(algorithm)
        }
        guard !algorithms.isEmpty else { throw SettingsError("AUTHD_PASSWORD_HASHERS: name at least one hasher") }
        return algorithms
    }

    /// Settings from `environment`, with `AUTHD_SIGNING_KEY_FILE` read through `readFile`.
    package static func fromEnvironment(_ environment: [String: String], readFile: (String) throws -> [UInt8]) throws(SettingsError) -> Settings {
        var settings = Settings()
        for variable in variables {
            if let value = environment[variable.name] { try variable.apply(&settings, value) }
        }
        if let path = environment["AUTHD_SIGNING_KEY_FILE"], !path.isEmpty {
            guard environment["AUTHD_SIGNING_KEY"] == nil else {
                throw SettingsError("set AUTHD_SIGNING_KEY or AUTHD_SIGNING_KEY_FILE, not both")
            }
            do {
                // Key files usually end with a newline (editors, `authd keygen > file`,
                // Docker secrets); it is not part of the key.
                settings.signingKey = SigningKeys.withoutTrailingNewlines(try readFile(path))
            } catch {
                throw SettingsError("AUTHD_SIGNING_KEY_FILE: cannot read \(path)")
            }
            settings.signingKeyFile = path
        }
        if settings.signingKeysDirectory != nil {
            guard environment["AUTHD_SIGNING_KEY"] == nil && settings.signingKeyFile == nil else {
                throw SettingsError("set AUTHD_SIGNING_KEYS_DIR or a single key (AUTHD_SIGNING_KEY, AUTHD_SIGNING_KEY_FILE), not both")
            }
        }
        try settings.refreshCookie.validate(effectivePath: settings.refreshCookiePath)
        return settings
    }

    /// The refresh cookie's Path: configured, or the longest one that covers every route that
    /// reads or clears it.
    package var refreshCookiePath: String {
        refreshCookie.path ?? RefreshCookie.defaultPath([paths.refresh, paths.blacklist, Route.revokeAll.path(paths)])
    }

    /// The effective settings for the start-up log. Secrets are masked: the key shows only its
    /// size, the database only user, host, port and name.
    package func summary(database: String) -> [(String, LogValue)] {
        var fields: [(String, LogValue)] = [
            ("listen", .text(listen)), ("database", .text(database)), ("algorithm", .text(algorithm.rawValue)),
            signingKeysDirectory.map { ("signing_keys_dir", .text($0)) }
                ?? ("signing_key", .text(signingKey.isEmpty ? "(unset)" : "*** (\(signingKey.count) bytes)")),
            ("access_lifetime_s", .integer(accessTokenLifetime)), ("refresh_lifetime_s", .integer(refreshTokenLifetime)),
            ("rotate", .text("\(rotateRefreshTokens)")), ("blacklist_after_rotation", .text("\(blacklistAfterRotation)")),
            ("leeway_s", .integer(leeway)), ("loops", .integer(loopThreads)), ("workers", .integer(workerThreads)),
            ("db_connections_per_loop", .integer(databaseConnectionsPerLoop)), ("hash_iterations", .integer(hashIterations)),
            ("password_hashers", .text(passwordHashers.map(\.rawValue).joined(separator: ","))),
            ("update_last_login", .text("\(updateLastLogin)")), ("user_table", .text(userTable)), ("username_field", .text(usernameField)),
            ("user_id_field", .text(userIDField)), ("user_id_claim", .text(userIDClaim)), ("log_level", .text(logLevel.name)), ("log_format", .text(logFormat.name)),
            ("header_timeout_s", .integer(headerTimeout)), ("body_timeout_s", .integer(bodyTimeout)), ("body_min_rate", .integer(bodyMinRate)),
            ("keepalive_timeout_s", .integer(keepAliveTimeout)), ("write_timeout_s", .integer(writeTimeout)), ("body_budget", .integer(bodyBudget)),
            ("cache", .text(cache ? "on" : "off")),
        ]
        if let audience { fields.append(("audience", .text(audience.values.joined(separator: ",")))) }
        if checkRevokeToken { fields.append(("check_revoke_token", .text("true"))) }
        if authTokenClasses != [.access] { fields.append(("auth_token_classes", .text(authTokenClasses.map(\.rawValue).joined(separator: ",")))) }
        if let issuer { fields.append(("issuer", .text(issuer))) }
        if refreshCookie.isOn {
            fields.append(("refresh_cookie", .text(refreshCookie.name)))
            fields.append(("refresh_cookie_path", .text(refreshCookiePath)))
        }
        if cors.isOn { fields.append(("cors_allowed_origins", .text((cors.allowedOrigins + cors.allowedOriginRegexes.map(\.source)).joined(separator: " ")))) }
        if loginThrottle.isActive {
            let rates = [("pair", loginThrottle.pair), ("address", loginThrottle.address), ("user", loginThrottle.user)]
            fields.append(("login_throttle", .text(rates.map { "\($0)=\($1.map(\.description) ?? "off")" }.joined(separator: ","))))
            fields.append(("login_throttle_known_for_s", .integer(loginThrottle.knownFor)))
        } else {
            fields.append(("login_throttle", .text("off")))
        }
        if !trustedProxies.ranges.isEmpty { fields.append(("trusted_proxies", .text(trustedProxies.ranges.map(\.description).joined(separator: ",")))) }
        return fields
    }
}

/// AUDIENCE: one audience, or a list (issued as a JSON list; a token needs any one of them).
package enum Audience: Sendable, Equatable {
    case one(String)
    case list([String])

    /// A JSON list (`["a","b"]`) is a list; any other non-empty text is one audience.
    init?(setting value: String) throws(SettingsError) {
        if value.isEmpty { return nil }
        guard value.hasPrefix("[") else {
            self = .one(value)
            return
        }
        guard let parsed = try? JSONParser.parse(Array(value.utf8)), case .array(let items) = parsed,
            !items.isEmpty, items.allSatisfy({ $0.stringValue != nil })
        else { throw SettingsError("AUTHD_AUDIENCE: a list must be a JSON list of strings, got \(value)") }
        self = .list(items.compactMap(\.stringValue))
    }

    package var values: [String] {
        switch self {
        case .one(let audience): [audience]
        case .list(let audiences): audiences
        }
    }

    /// The `aud` claim, as simplejwt writes AUDIENCE.
    var claim: JSONValue {
        switch self {
        case .one(let audience): .string(audience)
        case .list(let audiences): .array(audiences.map { .string($0) })
        }
    }
}

/// A simplejwt token class AUTH_TOKEN_CLASSES may name.
package enum TokenClass: String, Sendable, CaseIterable {
    case access = "AccessToken"
    case sliding = "SlidingToken"

    /// The `token_type` its tokens carry.
    var tokenType: String {
        switch self {
        case .access: "access"
        case .sliding: "sliding"
        }
    }

    /// Comma-separated class names, dotted (`rest_framework_simplejwt.tokens.SlidingToken`) or not.
    static func list(setting value: String) throws(SettingsError) -> [TokenClass] {
        var classes: [TokenClass] = []
        for item in value.split(separator: ",") {
            let name = item.split(separator: ".").last.map { $0.trimmingWhitespace } ?? ""
            guard let tokenClass = TokenClass(rawValue: name) else {
                throw SettingsError("AUTHD_AUTH_TOKEN_CLASSES: expected AccessToken or SlidingToken, got \"\(item)\"")
            }
            classes.append(tokenClass)
        }
        guard !classes.isEmpty else { throw SettingsError("AUTHD_AUTH_TOKEN_CLASSES: name at least one token class") }
        return classes
    }
}

/// Where the token views are served.
package struct RoutePaths: Sendable, Equatable {
    package var obtainPair = "/api/token/"
    package var refresh = "/api/token/refresh/"
    package var verify = "/api/token/verify/"
    package var blacklist = "/api/token/blacklist/"
    package var obtainSliding = "/api/token/sliding/"
    package var refreshSliding = "/api/token/sliding/refresh/"
}

/// Django's META key of a request header (HTTP_X_API_TOKEN) as the header's name (X-Api-Token).
func headerName(metaKey: String) throws(SettingsError) -> String {
    guard metaKey.hasPrefix("HTTP_"), metaKey.count > 5,
        metaKey.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") })
    else { throw SettingsError("AUTHD_AUTH_HEADER_NAME: expected a Django META name such as HTTP_AUTHORIZATION, got \"\(metaKey)\"") }
    return metaKey.dropFirst(5).split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: "-")
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension SettingVariable {
    /// A string taken as it is.
    static func text(_ name: String, _ help: String, _ set: @escaping @Sendable (inout Settings, String) -> Void) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in set(&settings, value) }
    }

    /// A login throttle rate (`10/15m`, DRF's `100/hour`), or `off`.
    static func rate(_ name: String, _ help: String, _ field: any WritableKeyPath<Settings, ThrottleRate?> & Sendable) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            settings[keyPath: field] = try ThrottleRate.parse(value, setting: name)
        }
    }

    /// A decimal integer from `minimum` to `maximum`.
    static func integer(
        _ name: String, _ help: String, _ field: any WritableKeyPath<Settings, Int> & Sendable, minimum: Int = 1,
        maximum: Int = 1_000_000_000
    ) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            guard let number = Int(value), number >= minimum, number <= maximum else {
                throw SettingsError("\(name): expected an integer from \(minimum) to \(maximum), got \"\(value)\"")
            }
            settings[keyPath: field] = number
        }
    }

    /// One of `Value`'s cases, by name.
    static func choice<Value: CaseIterable & Sendable>(
        _ name: String, _ help: String, _ field: any WritableKeyPath<Settings, Value> & Sendable,
        _ spelling: any KeyPath<Value, String> & Sendable
    ) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            guard let choice = Value.allCases.first(where: { $0[keyPath: spelling] == value.lowercased() }) else {
                let names = Value.allCases.map { $0[keyPath: spelling] }.joined(separator: ", ")
                throw SettingsError("\(name): expected one of \(names), got \"\(value)\"")
            }
            settings[keyPath: field] = choice
        }
    }

    /// A non-empty name of at most 63 bytes (PostgreSQL's identifier limit; also used as a
    /// claim or body field name) without control characters.
    static func identifier(_ name: String, _ help: String, _ field: any WritableKeyPath<Settings, String> & Sendable) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            guard !value.isEmpty, value.utf8.count <= 63, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw SettingsError("\(name): expected a name of 1 to 63 bytes, got \"\(value)\"")
            }
            settings[keyPath: field] = value
        }
    }

    /// Comma-separated names, spaces around them ignored; empty only when `allowEmpty`.
    static func list(
        _ name: String, _ help: String, _ field: any WritableKeyPath<Settings, [String]> & Sendable, allowEmpty: Bool = false
    ) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            let items = value.split(separator: ",").map { $0.trimmingWhitespace }
            guard items.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }), allowEmpty || !items.isEmpty else {
                throw SettingsError("\(name): expected comma-separated names, got \"\(value)\"")
            }
            settings[keyPath: field] = items
        }
    }

    /// A URL path: starts and ends with "/", printable ASCII.
    static func path(_ name: String, _ help: String, _ field: any WritableKeyPath<Settings, String> & Sendable) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            guard value.hasPrefix("/"), value.hasSuffix("/"), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
            else { throw SettingsError("\(name): expected a path such as /auth/jwt/create/, got \"\(value)\"") }
            settings[keyPath: field] = value
        }
    }

    /// true/false (also 1/0, yes/no, on/off; empty is false).
    static func flag(_ name: String, _ help: String, _ field: any WritableKeyPath<Settings, Bool> & Sendable) -> SettingVariable {
        SettingVariable(name: name, help: help) { settings, value throws(SettingsError) in
            switch value.lowercased() {
            case "1", "true", "yes", "on": settings[keyPath: field] = true
            case "0", "false", "no", "off", "": settings[keyPath: field] = false
            default: throw SettingsError("\(name): expected true or false, got \"\(value)\"")
            }
        }
    }
}
