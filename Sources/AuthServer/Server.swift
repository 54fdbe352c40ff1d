// `authd serve`: one event loop per thread, each with its own listener, evhttp and Postgres pool.
import Glibc
import EventLoop
import Postgres

package enum Server {
    /// Runs until SIGINT or SIGTERM; then stops accepting, lets requests in flight finish (up to
    /// `drainSeconds`), closes the database connections and returns. SIGHUP re-reads the signing
    /// keys and puts them in force without stopping anything.
    package static func run(settings original: Settings, drainSeconds: Double = 10) throws(SettingsError) {
        // Signals are taken by the main thread alone (sigwait), so block them before any thread
        // starts: the threads inherit the mask. (SIGHUP's default action would end the process.)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        var settings = original
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        if settings.loopThreads == 0 { settings.loopThreads = cores }
        if settings.workerThreads == 0 { settings.workerThreads = cores }
        guard !settings.databaseURL.isEmpty else { throw SettingsError("DATABASE_URL is required") }
        let authority = try TokenAuthority(settings: settings, keys: SigningKeys.load(settings, rereadFile: false))
        var database: PostgresConfiguration
        do {
            database = try PostgresConfiguration(settings.databaseURL)
        } catch {
            throw SettingsError("DATABASE_URL: \(error.description)")
        }
        database.connections = settings.databaseConnectionsPerLoop
        database.preparedStatements = settings.databasePreparedStatements
        database.logger = { Log.warning("postgres: \($0)") }
        database.queryFailed = DatabaseFailureLog.report
        let (host, port) = try listenAddress(settings.listen)
        let listenerDatabase = try cacheListenerDatabase(settings)

        EventLoop.configureProcess()
        // libevent's warnings can repeat per connection or per accept: one line per kind of
        // message (digits aside) every 10 s at most.
        let libeventThrottle = LogThrottle(interval: 10)
        EventLoop.setLogHandler { message in
            libeventThrottle.write(kind: String(message.filter { !$0.isNumber }), .warning, "libevent", [("message", .text(message))])
        }
        let descriptorLimit = raiseDescriptorLimit()
        configureMemoryReturn()
        guard settings.bodyBudget >= 2 * settings.maxBodyBytes else {
            throw SettingsError("AUTHD_BODY_BUDGET must hold at least one body of the largest size (\(2 * settings.maxBodyBytes) bytes: a body is counted twice, for libevent's buffers)")
        }
        let connectionCap = settings.maxConnections > 0 ? settings.maxConnections : connectionCap(descriptorLimit: descriptorLimit, settings: settings)
        let limits = ConnectionLimits(
            maxConnections: max(1, connectionCap / settings.loopThreads), headerTimeout: Double(settings.headerTimeout),
            bodyTimeout: Double(settings.bodyTimeout), bodyMinRate: settings.bodyMinRate, keepAliveTimeout: Double(settings.keepAliveTimeout),
            writeTimeout: Double(settings.writeTimeout), bodyBudget: BodyBudget(limit: settings.bodyBudget))
        let workers = WorkerPool(threads: settings.workerThreads, queueLimit: 64 * settings.workerThreads)
        let shared = try SharedState(settings: settings, authority: authority, workers: workers)
        Log.configure(level: settings.logLevel, format: settings.logFormat)
        _ = ProcessFacts.startTime
        Log.write(
            .info, "authd starting",
            settings.summary(database: database.target) + keyFields(authority)
                + [("descriptor_limit", .integer(descriptorLimit)), ("connection_cap", .integer(connectionCap))])

        if let cache = shared.cache, let listenerDatabase { CacheListener.start(cache: cache, database: listenerDatabase, settings: settings) }

        // The user model from the catalog. When the database cannot be reached yet, the loops
        // start without it (answering 503) and a thread keeps asking until it can.
        let model = try UserModelResolution.first(settings: settings, database: database)
        let startup = Lock<(port: Int?, failure: String?, stoppers: [@Sendable () -> Void], installers: [@Sendable (UserModel) -> Void])>(
            (nil, nil, [], []))
        var threads: [ThreadHandle] = []
        for index in 0..<settings.loopThreads {
            let ready = Semaphore()
            // Loop 0 binds first; the others bind the port it got (which matters for port 0).
            let boundPort = startup.withLock { $0.port } ?? port
            let http = HTTPServerConfiguration(
                host: host, port: boundPort, maxBodyBytes: settings.maxBodyBytes, limits: limits, requestDeadline: settings.requestDeadline,
                renderRefusal: APIError.renderRefusal)
            let configuration = database
            threads.append(spawnThread(name: "authd-loop-\(index)") {
                let loop = EventLoop()
                let host = LoopHost(loop: loop, database: configuration, shared: shared)
                let server: HTTPServer
                do {
                    server = try HTTPServer(loop: loop, configuration: http, handler: { [unowned host] in host.handle($0) })
                } catch {
                    startup.withLock { $0.failure = "\(error)" }
                    ready.signal()
                    return
                }
                if let model { host.install(model) }
                server.onAnswered = { [weak host] answer in host?.service?.answered(answer) }
                server.onAcceptFailure = { error, paused in
                    let fields: [(String, LogValue)] = [
                        ("error", .text(String(cString: strerror(error)))),
                        ("action", .text(paused ? "accepting paused for \(HTTPServer.acceptPause) s" : "none")),
                    ]
                    acceptFailureLog.write(kind: "accept/\(error)", .warning, "accept failed", fields)
                }
                shared.metrics.register(loop) { [weak host, weak server] in
                    guard let service = host?.service, let server else { return MetricsCounts() }
                    return service.metricsSnapshot(server)
                }
                let handle = LoopBound(Drain(loop: loop, server: server, host: host, deadline: drainSeconds), on: loop)
                let bound = LoopBound(host, on: loop)
                let inbox = loop.inbox
                startup.withLock {
                    if $0.port == nil { $0.port = server.port }
                    $0.stoppers.append { inbox.post { handle.value.begin() } }
                    $0.installers.append { model in inbox.post { bound.value.install(model) } }
                }
                ready.signal()
                loop.run()
                withExtendedLifetime((host, server)) {}
            })
            ready.wait()
            if let failure = startup.withLock({ $0.failure }) {
                startup.withLock { state in for stop in state.stoppers { stop() } }
                for thread in threads { thread.join() }
                throw SettingsError(failure)
            }
        }
        let actualPort = startup.withLock { $0.port } ?? port
        if model == nil {
            let (settings, database) = (settings, database)
            spawnThread(name: "authd-usermodel") {
                let model = UserModelResolution.waitForDatabase(settings: settings, database: database)
                for install in startup.withLock({ $0.installers }) { install(model) }
            }.detach()
        }
        Log.info("authd listening on \(host):\(actualPort) with \(settings.loopThreads) loops and \(settings.workerThreads) workers")

        var received: Int32 = 0
        while true {
            guard sigwait(&signals, &received) == 0 else { continue }
            guard received == SIGHUP else { break }
            reloadKeys(settings: settings, into: shared)
        }
        Log.info("authd received signal \(received): draining")
        startup.withLock { state in for stop in state.stoppers { stop() } }
        for thread in threads { thread.join() }
        workers.stop()
        Log.info("authd stopped")
    }

    /// SIGHUP: the keys read again and a new authority put in force for every loop and worker at
    /// once. Requests are not paused: a refresh that verified with the old keys signs with the
    /// key active when it signs, which a rotation wants either way. A
    /// key that does not load leaves the old keys in force, and the log says why (never the key).
    static func reloadKeys(settings: Settings, into shared: SharedState) {
        do {
            let authority = try TokenAuthority(settings: settings, keys: SigningKeys.load(settings, rereadFile: true))
            shared.install(authority)
            Log.write(.info, "signing keys reloaded", keyFields(authority))
        } catch {
            Log.write(.error, "signing keys not reloaded: the previous keys stay in force", [("reason", .text(error.description))])
        }
    }

    /// The keys in force, for the log: their ids, never their material.
    static func keyFields(_ authority: TokenAuthority) -> [(String, LogValue)] {
        guard let active = authority.activeKeyID else { return [] }
        return [("active_kid", .text(active)), ("kids", .text(authority.keyIDs.joined(separator: ",")))]
    }

    /// Raises the soft limit on open descriptors to the hard limit, as nginx and Go do: the
    /// default soft limit (1,024) is far below what a server with thousands of keep-alive
    /// clients needs. Returns the limit now in force.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_RESOURCE, &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(RLIMIT_NOFILE_RESOURCE, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Client connections the descriptor limit leaves room for, over all loops: each loop also
    /// holds a listener, an epoll and a wake-up descriptor, and its PostgreSQL connections (twice:
    /// a reconnect can overlap the old socket); 64 more for the log, key files and slack.
    static func connectionCap(descriptorLimit: Int, settings: Settings) -> Int {
        let reserved = 64 + settings.loopThreads * (3 + 2 * settings.databaseConnectionsPerLoop)
        return max(settings.loopThreads, min(descriptorLimit - reserved, 65_536))
    }

    /// Where the cache's listener connects: AUTHD_CACHE_DATABASE_URL, or DATABASE_URL unless that
    /// goes through a transaction-mode pooler (which cannot carry LISTEN). Nil with the cache off.
    static func cacheListenerDatabase(_ settings: Settings) throws(SettingsError) -> PostgresConfiguration? {
        guard settings.cache else { return nil }
        guard !settings.cacheDatabaseURL.isEmpty || settings.databasePreparedStatements else {
            throw SettingsError(
                "AUTHD_CACHE: with AUTHD_DB_PREPARED_STATEMENTS=false (a transaction-mode pooler) the cache needs a LISTEN connection straight to PostgreSQL: set AUTHD_CACHE_DATABASE_URL, or AUTHD_CACHE=off")
        }
        do {
            var database = try PostgresConfiguration(settings.cacheDatabaseURL.isEmpty ? settings.databaseURL : settings.cacheDatabaseURL)
            database.logger = { Log.warning("postgres (cache listener): \($0)") }
            return database
        } catch {
            throw SettingsError("AUTHD_CACHE_DATABASE_URL: \(error.description)")
        }
    }

    /// "host:port", "[v6]:port" or ":port".
    static func listenAddress(_ text: String) throws(SettingsError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw SettingsError("AUTHD_LISTEN: expected host:port, got \"\(text)\"") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// accept() failures, logged at most once per errno every 10 s (with how many were left out):
/// out of descriptors, every loop fails on every wake-up.
private let acceptFailureLog = LogThrottle(interval: 10)

private let RLIMIT_NOFILE_RESOURCE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

/// One loop's graceful stop: no new connections, wait for requests in flight, then close.
final class Drain {
    /// How long the loop must have been idle before it stops. An answer has left its handler
    /// but not yet the process: evhttp writes it when the socket is writable, on a later loop
    /// iteration, and freeing the server first would drop it. Answers are small, so a few
    /// iterations suffice; this is many.
    static let quietPeriod = 0.1

    let loop: EventLoop
    let server: HTTPServer
    let host: LoopHost
    let deadline: Double
    private var poll: LoopTimer?
    private var startedAt = 0.0
    private var idleSince: Double?

    init(loop: EventLoop, server: HTTPServer, host: LoopHost, deadline: Double) {
        self.loop = loop
        self.server = server
        self.host = host
        self.deadline = deadline
    }

    func begin() {
        server.beginDraining()
        startedAt = loop.monotonicNow
        check()
    }

    private func check() {
        // Queries outlive their requests when a handler answers first and writes after (a
        // login's hash upgrade): those finish too.
        let queries = host.pool?.stats ?? PostgresPoolStats()
        let idle = server.inFlight == 0 && queries.inFlight == 0 && queries.queueDepth == 0
        idleSince = idle ? (idleSince ?? loop.monotonicNow) : nil
        let quiet = idleSince.map { loop.monotonicNow - $0 >= Self.quietPeriod } ?? false
        if quiet || loop.monotonicNow - startedAt >= deadline {
            if !idle {
                Log.warning("drain deadline passed: \(server.inFlight) requests and \(queries.inFlight + queries.queueDepth) queries abandoned")
            }
            host.pool?.close()
            loop.stop()
            return
        }
        poll = LoopTimer(loop: loop, after: 0.02) { [self] in check() }
    }
}
