// One loop's request handling: routing, the stores, and answering.
import EventLoop
import JSON
import JWT
import Passwords
import Postgres

/// What every loop shares: immutable settings, the token authority, and the worker pool.
final class SharedState: Sendable {
    let settings: Settings
    /// Replaced whole on SIGHUP (new keys). Each use reads the one in force; a worker's closure
    /// that captured the old one keeps it alive and finishes with it.
    /// A mutex rather than a per-loop copy: every loop sees the new keys from the same instant,
    /// so a token one loop signs with a new key never reaches a loop that does not know it yet.
    /// Uncontended, it costs tens of nanoseconds against a request's tens of microseconds.
    private let currentAuthority: Lock<TokenAuthority>
    let hashers: PasswordHashers
    let workers: WorkerPool
    let router: Router
    /// GET /openapi.json, for these settings' paths and username field.
    let openAPI: String
    let metrics = MetricsRegistry()
    /// The instance's cache (AUTHD_CACHE), which every loop's stores read through; nil when off.
    let cache: StoreCache?

    init(settings: Settings, authority: TokenAuthority, workers: WorkerPool) throws(SettingsError) {
        self.settings = settings
        self.router = try Router(paths: settings.paths)
        self.openAPI = OpenAPIDocument.served(settings)
        self.currentAuthority = Lock(authority)
        self.hashers = PasswordHashers(settings.passwordHashers, pbkdf2Iterations: settings.hashIterations)
        self.workers = workers
        self.cache = settings.cache ? StoreCache(budget: settings.cacheBudget) : nil
    }

    /// The token rules and keys in force now.
    var authority: TokenAuthority { currentAuthority.withLock { $0 } }

    /// Puts `authority` in force for every request that starts from now on.
    func install(_ authority: TokenAuthority) {
        currentAuthority.withLock { $0 = authority }
    }
}

/// What /readyz and /metrics ask of the service the stores stand on.
protocol StoreHealth: AnyObject {
    /// The stores can answer now.
    var isReady: Bool { get }
    var databaseStats: PostgresPoolStats { get }
}

extension PostgresPool: StoreHealth {
    var databaseStats: PostgresPoolStats { stats }
}

/// The handlers of one loop. Loop-confined, as its stores are.
final class AuthService {
    let loop: EventLoop
    let users: any UserStore
    let revocations: any RevocationStore
    let health: any StoreHealth
    /// Failed logins, counted per client address and username; nil with AUTHD_LOGIN_THROTTLE off.
    let throttle: (any LoginThrottleStore)?
    /// The stores' cache in front of the database, for its counts; nil with AUTHD_CACHE off.
    let caching: CachingStore?
    let model: UserModel
    let shared: SharedState
    /// This loop's share of /metrics.
    private(set) var counts = MetricsCounts()

    init(
        loop: EventLoop, users: any UserStore, revocations: any RevocationStore, throttle: (any LoginThrottleStore)? = nil,
        caching: CachingStore? = nil, health: any StoreHealth, model: UserModel, shared: SharedState
    ) {
        self.loop = loop
        self.throttle = throttle
        self.caching = caching
        self.model = model
        self.users = users
        self.revocations = revocations
        self.health = health
        self.shared = shared
    }

    var settings: Settings { shared.settings }
    var authority: TokenAuthority { shared.authority }

    /// Every answer, after it is sent: counted, and written to the access log.
    func answered(_ answer: HTTPAnswer) {
        var route: Route? = nil
        if case .route(let matched) = shared.router.match(answer.path) { route = matched }
        counts.record(answer, route: route, revokesOnRotation: settings.rotateRefreshTokens && settings.blacklistAfterRotation)
        Log.request(answer)
    }

    /// This loop's counters as /metrics reports them, with its gauges read now.
    func metricsSnapshot(_ server: HTTPServer) -> MetricsCounts {
        var snapshot = counts
        snapshot.requestsInFlight = server.inFlight
        snapshot.acceptPauses = server.acceptPauses
        snapshot.openConnections = server.openConnections
        snapshot.deadlineCloses = server.deadlineCloses
        snapshot.evictions = server.evictions
        snapshot.database = health.databaseStats
        snapshot.cache = caching?.counts ?? CacheCounts()
        return snapshot
    }

    func handle(_ request: HTTPRequest) {
        if answerCrossOrigin(request) { return }
        switch shared.router.match(request.path) {
        case .notFound:
            send(request, .notFound)
        case .redirect(let location):
            // As Django's CommonMiddleware: the query string comes along, the body does not.
            let target = request.query.map { location + "?" + $0 } ?? location
            request.respond(status: 301, headers: [("Location", target)], body: [])
        case .route(let route):
            dispatch(route, request)
        }
    }

    private func dispatch(_ route: Route, _ request: HTTPRequest) {
        let method = request.method.rawValue
        do {
            try checkOrigin(request)
        } catch {
            send(request, error)
            return
        }
        // Only where Allow lists it (the DRF views); /healthz and the like answer OPTIONS 405.
        if method == "OPTIONS" && route.allowedMethods.contains("OPTIONS") {
            request.respond(status: 200, headers: [("Allow", route.allowedMethods.joined(separator: ", "))], json: "{}")
            return
        }
        guard route.allowedMethods.contains(method) else {
            let refusal = APIError.methodNotAllowed(method: method, allowed: route.allowedMethods)
            if [.currentUser, .revokeAll, .changePassword, .sessions, .session].contains(route) {
                // DRF authenticates before it looks up the handler: without valid credentials
                // the answer is the 401, and only an authenticated client learns about the 405.
                do {
                    try authenticate(request) { [self] _ in send(request, refusal) }
                } catch {
                    send(request, error)
                }
            } else {
                send(request, refusal)
            }
            return
        }
        do {
            switch route {
            case .obtainPair: try obtain(request, .pair)
            case .obtainSliding: try obtain(request, .sliding)
            case .refresh: try refresh(request)
            case .refreshSliding: try refreshSliding(request)
            case .verify: try verify(request)
            case .blacklist: try blacklist(request)
            case .revokeAll: try revokeAll(request)
            case .currentUser: try currentUser(request)
            case .changePassword: try changePassword(request)
            case .sessions: try listSessions(request)
            case .session: try endSession(request)
            case .health: request.respond(status: 200, json: #"{"status":"ok"}"#)
            case .readiness:
                if health.isReady {
                    request.respond(status: 200, json: #"{"status":"ready"}"#)
                } else {
                    send(request, .unavailable("Database unavailable."))
                }
            case .metrics:
                shared.metrics.gather(on: loop) { [shared] total in
                    let text = MetricsExposition.render(
                        total, routes: RouteLabel.all(shared.settings.paths), workerQueueDepth: shared.workers.queueDepth, workerThreads: shared.workers.threadCount,
                        droppedLogLines: Log.droppedLines, cache: shared.cache?.figures)
                    request.respond(status: 200, body: Array(text.utf8), contentType: MetricsExposition.contentType)
                }
            case .openAPI: request.respond(status: 200, json: shared.openAPI)
            case .keySet: request.respond(status: 200, json: authority.keySet)
            }
        } catch {
            send(request, error)
        }
    }

    func send(_ request: HTTPRequest, _ error: APIError, headers: [(String, String)] = []) {
        var reply = error.response.challenging(settings.authHeaderTypes[0])
        reply.headers += headers
        request.respond(reply)
    }

    func send(_ request: HTTPRequest, _ object: JSONObject, headers: [(String, String)] = []) {
        request.respond(status: 200, headers: headers, body: JSONValue.object(object).serialized())
    }

    /// The request body's fields, as DRF would parse them.
    func data(of request: HTTPRequest) throws(APIError) -> RequestData {
        try RequestData(contentType: request.header("Content-Type"), body: request.body)
    }

    /// The user id claim (USER_ID_CLAIM) of verified `claims`, read for this user model's key type.
    func userIDClaim(_ claims: JSONObject) -> UserIDClaim {
        UserIDClaim(claims, claim: settings.userIDClaim, kind: model.idKind)
    }

    /// The token in body field `field`, verified: signature, claims, and `type` when given.
    /// Every refusal is simplejwt's 401 token_not_valid with its message.
    func verifiedToken(_ request: HTTPRequest, field: String, type: String?) throws(APIError) -> (token: String, claims: JSONObject) {
        let token = try data(of: request).charFields([field])[0]
        return (token, try verified(token, type: type))
    }

    /// `token`'s claims, verified as `verifiedToken` does.
    func verified(_ token: String, type: String?) throws(APIError) -> JSONObject {
        do {
            return try authority.verify(token, type: type, now: loop.now)
        } catch {
            throw APIError.tokenNotValid(APIError.tokenMessage(error))
        }
    }

    /// A store failure as the client sees it: a fast 503, never a hang or a 500.
    func storeFailed(_ request: HTTPRequest, _ error: StoreError) {
        send(request, .unavailable("Service temporarily unavailable, please retry."))
    }

    /// A rotated refresh token came back: its family is blacklisted (RFC 9700 §4.14.2). Counted,
    /// and logged with the user, for whoever investigates a stolen token.
    func noteReuse(of owner: UserIDClaim) {
        counts.refreshReuses += 1
        Log.write(.warning, "refresh token reused: its family is revoked", [("user_id", .text(owner.id?.text ?? "-"))])
    }

    /// Runs CPU-heavy `work` on the worker pool and `then` back on this loop; 503 when the pool's
    /// queue is full (a login storm gets fast refusals instead of a growing backlog).
    func offload<Result: Sendable>(_ request: HTTPRequest, _ work: @escaping @Sendable () -> Result, then: @escaping (Result) -> Void) {
        let accepted = shared.workers.submit(from: loop, work, completion: then)
        if !accepted {
            counts.workerRejections += 1
            send(request, .unavailable("Server busy, please retry."))
        }
    }
}
