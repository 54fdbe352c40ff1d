// One loop's service, which exists once the user model is known: until then the loop answers
// what it can without the database (/healthz) and 503 to everything else.
import EventLoop
import Glibc
import Postgres

/// What one loop serves with. Loop-confined.
final class LoopHost {
    let loop: EventLoop
    let database: PostgresConfiguration
    let shared: SharedState
    /// The loop's database connections and handlers, from `install` on.
    private(set) var pool: PostgresPool?
    private(set) var service: AuthService?

    init(loop: EventLoop, database: PostgresConfiguration, shared: SharedState) {
        self.loop = loop
        self.database = database
        self.shared = shared
    }

    /// Opens the loop's pool with statements written for `model`, and serves with it.
    func install(_ model: UserModel) {
        guard service == nil else { return }
        let statements = PostgresStatements(model: model, checkRevokeToken: shared.settings.checkRevokeToken)
        let limits = shared.settings.loginThrottle
        let throttleStatements = limits.isActive ? LoginThrottleStatements(limits, caseInsensitiveUsername: model.caseInsensitiveUsername) : nil
        let pool = PostgresPool(loop: loop, configuration: database, statements: statements.all + (throttleStatements?.all ?? []))
        self.pool = pool
        let users = PostgresUserStore(pool: pool, statements: statements)
        let revocations = PostgresRevocationStore(pool: pool, statements: statements)
        let caching = shared.cache.map { CachingStore(users: users, revocations: revocations, cache: $0) }
        service = AuthService(
            loop: loop, users: caching ?? users, revocations: caching ?? revocations,
            throttle: throttleStatements.map { PostgresLoginThrottleStore(pool: pool, statements: $0) }, caching: caching, health: pool,
            model: model, shared: shared)
    }

    func handle(_ request: HTTPRequest) {
        if let service {
            service.handle(request)
        } else if case .route(.health) = shared.router.match(request.path) {
            request.respond(status: 200, json: #"{"status":"ok"}"#)
        } else {
            request.respond(APIError.unavailable("Service temporarily unavailable, please retry.").response)
        }
    }
}

/// Finding the user model in the catalog when `authd serve` starts.
enum UserModelResolution {
    /// One attempt at start. A schema authd cannot serve stops the start with its reason; an
    /// unreachable database gives no model yet (the loops start and wait for it).
    static func first(settings: Settings, database: PostgresConfiguration) throws(SettingsError) -> UserModel? {
        do {
            return try inspect(settings: settings, database: database)
        } catch let error as UserModelError {
            throw SettingsError(error.description)
        } catch {
            Log.warning("database unreachable at start: serving 503 until it answers")
            return nil
        }
    }

    /// Asks again every second until the database answers. A schema authd cannot serve ends the
    /// process, as it would have at start.
    static func waitForDatabase(settings: Settings, database: PostgresConfiguration) -> UserModel {
        while true {
            do {
                return try inspect(settings: settings, database: database)
            } catch let error as UserModelError {
                Log.error("authd cannot serve this database: \(error.description)")
                Log.flush()
                exit(1)
            } catch {
                sleep(1)
            }
        }
    }

    private static func inspect(settings: Settings, database: PostgresConfiguration) throws -> UserModel {
        let session = try PostgresSession(configuration: database)
        defer { session.close() }
        return try UserModel.inspect(settings, session: session)
    }
}
