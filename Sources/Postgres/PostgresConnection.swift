// One nonblocking libpq connection driven by the loop: connect, prepare, one query at a time,
// and recovery (backoff after a failure, reset after a timeout). The pool decides what runs.

import Glibc
import CLibpq
import EventLoop

/// A pool connection. Not Sendable: created, driven and finished on its pool's loop.
///
/// Every libpq call here returns at once: the socket is nonblocking, results are read only when
/// `PQisBusy` says they are complete, and each wait is a one-shot `SocketWatch` re-armed with a
/// freshly read `PQsocket`, because libpq may switch sockets while connecting.
final class PostgresConnection {
    /// 1-based, for log lines.
    let number: Int
    private(set) var state: ConnectionState = .backingOff
    /// The query in flight; set exactly when `state == .busy`.
    private(set) var query: PendingQuery?
    /// Consecutive attempts that failed; 0 once a connection reaches idle.
    private(set) var failures = 0
    /// Told about idle connections, finished queries and breakage. Weak: the pool owns us.
    weak var pool: PostgresPool?

    private let loop: EventLoop
    private let configuration: PostgresConfiguration
    private let keywords: [String]
    private let values: [String]
    private let statements: [PreparedStatement]
    private let watch: SocketWatch
    private var connection: OpaquePointer?
    private var retryTimer: LoopTimer?
    /// When connecting plus preparing must be done (monotonic seconds).
    private var connectDeadline = 0.0
    private var nextStatement = 0
    /// libpq still holds bytes of the current command that the kernel did not take.
    private var flushing = false
    private var outcome: CommandOutcome?
    private var lastLoggedFailure: String?

    init(number: Int, loop: EventLoop, configuration: PostgresConfiguration, statements: [PreparedStatement]) {
        self.number = number
        self.loop = loop
        self.configuration = configuration
        (keywords, values) = configuration.poolParameters
        self.statements = statements
        watch = SocketWatch(loop: loop)
    }

    deinit {
        // The watch must forget the descriptor before PQfinish closes it.
        watch.release()
        if let connection { PQfinish(connection) }
    }

    /// Up, or (on a first attempt or after a timeout reset, not after a failure) about to be:
    /// worth queueing a query for. A connection retrying after failures is not, so that
    /// requests fail fast while Postgres is down instead of waiting for it.
    var isPromising: Bool {
        switch state {
        case .preparing, .idle, .busy: true
        case .connecting: failures == 0
        case .backingOff, .closed: false
        }
    }

    // MARK: Connecting

    /// Starts an attempt: `PQconnectStartParams`, then `PQconnectPoll` on every wake-up.
    func connect() {
        move(to: .connecting)
        retryTimer = nil
        connectDeadline = monotonicSeconds() + configuration.connectTimeout
        // expand_dbname 0: the values are already parsed; a dbname is not to be read as a URL.
        // Both arrays end with NULL, as PQconnectStartParams requires.
        let started = withCStrings(keywords.map(Optional.some) + [nil]) { keywords in
            withCStrings(values.map(Optional.some) + [nil]) { values in PQconnectStartParams(keywords, values, 0) }
        }
        guard let started else { return broke("out of memory starting a connection") }
        connection = started
        // Notices ("relation already exists, skipping", ...) would otherwise go to stderr.
        PQsetNoticeReceiver(started, { _, _ in }, nil)
        guard PQstatus(started) != CONNECTION_BAD else { return broke(errorMessage) }
        // libpq's protocol: behave as if PQconnectPoll had just returned PGRES_POLLING_WRITING.
        waitWhileConnecting(for: .writable)
    }

    private func poll() {
        switch PQconnectPoll(connection) {
        case PGRES_POLLING_OK: connected()
        case PGRES_POLLING_READING: waitWhileConnecting(for: .readable)
        case PGRES_POLLING_WRITING: waitWhileConnecting(for: .writable)
        default: broke(errorMessage)
        }
    }

    /// Waits with what is left of the connect timeout, which `PQconnectPoll` does not enforce.
    private func waitWhileConnecting(for interest: SocketWatch.Readiness) {
        let remaining = connectDeadline - monotonicSeconds()
        guard remaining > 0 else { return broke(connectTimeoutMessage) }
        // Read again every time: the socket changes when libpq tries the next address or host.
        let socket = PQsocket(connection)
        guard socket >= 0 else { return broke(errorMessage) }
        watch.arm(fd: socket, for: interest, timeout: remaining) { [unowned self] readiness in
            if readiness.contains(.timedOut) { return broke(connectTimeoutMessage) }
            poll()
        }
    }

    private func connected() {
        // Nonblocking sends: PQsendQueryPrepared queues what the kernel won't take, PQflush sends it.
        guard PQsetnonblocking(connection, 1) == 0 else { return broke(errorMessage) }
        guard !statements.isEmpty else { return becomeIdle() }
        move(to: .preparing)
        nextStatement = 0
        sendPrepare()
    }

    private func sendPrepare() {
        let statement = statements[nextStatement]
        // No parameter types: Postgres infers them from the statement.
        guard PQsendPrepare(connection, statement.name, statement.sql, 0, nil) == 1 else { return broke(errorMessage) }
        startCommand()
    }

    private func becomeIdle() {
        move(to: .idle)
        if failures > 0 {
            log("connection \(number) to \(configuration.target) is back after \(failures) failed attempt(s)")
        }
        failures = 0
        lastLoggedFailure = nil
        watchWhileIdle()
        pool?.connectionBecameIdle(self)
    }

    // MARK: Queries

    /// Sends `query` on this idle connection; the pool hears back through `connection(_:finished:with:)`
    /// or `connection(_:broke:)`.
    func send(_ query: PendingQuery) {
        move(to: .busy)
        self.query = query
        let sent = withCStrings(query.parameters) { values in
            // Text parameters (lengths and formats NULL), text results (0).
            PQsendQueryPrepared(connection, query.statement, Int32(query.parameters.count), values, nil, nil, 0)
        }
        // Part of the request may have reached the server, so this is a lost connection for the
        // query, not a chance to retry it.
        guard sent == 1 else { return broke(errorMessage) }
        startCommand()
    }

    /// Gives up the query in flight (its deadline passed) by closing the connection: with one
    /// query per connection and no cancel request, that is the only way to free it at once.
    /// The connection reconnects without backoff, since nothing suggests Postgres is down.
    func abandonQuery() {
        precondition(state == .busy, "only a busy connection has a query to abandon")
        log("connection \(number): query timed out after \(configuration.queryTimeout) s; resetting the connection")
        query = nil
        disconnect()
        connect()
    }

    private func startCommand() {
        flushing = true
        outcome = nil
        advance(after: [])
    }

    /// Moves the current command (a prepare or a query) forward and never blocks: sends what
    /// libpq buffered, reads what arrived, and takes results only while `PQisBusy` is false.
    private func advance(after readiness: SocketWatch.Readiness) {
        guard let connection else { return }
        if readiness.contains(.timedOut) { return broke(connectTimeoutMessage) }  // only while preparing
        if readiness.contains(.readable) {
            guard PQconsumeInput(connection) == 1 else { return broke(errorMessage) }
        }
        if flushing {
            // After a read too: the server may stop reading our data until we read its replies.
            switch PQflush(connection) {
            case 0: flushing = false
            case 1: break
            default: return broke(errorMessage)
            }
        }
        while PQisBusy(connection) == 0 {
            guard let result = PQgetResult(connection) else { return commandFinished() }
            let next = CommandOutcome(result)
            PQclear(result)
            // Keep the first failure; otherwise the last result (there is one per statement).
            if case .failed = outcome {} else { outcome = next }
        }
        let interest: SocketWatch.Readiness = flushing ? [.readable, .writable] : .readable
        // A query's time limit is the pool's per-query timer; preparing counts toward connecting.
        let timeout = state == .preparing ? max(connectDeadline - monotonicSeconds(), 0.001) : nil
        watch.arm(fd: PQsocket(connection), for: interest, timeout: timeout) { [unowned self] readiness in
            advance(after: readiness)
        }
    }

    /// `PQgetResult` returned NULL: the command is complete.
    private func commandFinished() {
        // A FATAL from the server (shutdown, crash) or EOF surfaces as an error result followed
        // by a dead connection; the query is then lost, whatever its result said.
        guard PQstatus(connection) == CONNECTION_OK else { return broke(errorMessage) }
        let outcome = self.outcome ?? .rows(PostgresRows())
        self.outcome = nil
        switch state {
        case .preparing:
            if case .failed(let error) = outcome {
                return broke("preparing statement \(statements[nextStatement].name) failed: \(error)")
            }
            nextStatement += 1
            if nextStatement < statements.count { sendPrepare() } else { becomeIdle() }
        case .busy:
            guard let finished = query else { preconditionFailure("busy connection without a query") }
            query = nil
            move(to: .idle)
            watchWhileIdle()
            let result: Result<PostgresRows, PostgresError> =
                switch outcome {
                case .rows(let rows): .success(rows)
                case .failed(let error): .failure(error)
                }
            pool?.connection(self, finished: finished, with: result)
        default:
            preconditionFailure("command finished in state \(state)")
        }
    }

    /// An idle connection still reads its socket: a server shutting down sends a FATAL and
    /// closes, and noticing that now means the next query is not sent into a dead socket.
    private func watchWhileIdle() {
        guard let connection else { return }
        watch.arm(fd: PQsocket(connection), for: .readable) { [unowned self] _ in
            guard let connection = self.connection, state == .idle else { return }
            guard PQconsumeInput(connection) == 1, PQstatus(connection) == CONNECTION_OK else {
                return broke(errorMessage)
            }
            watchWhileIdle()
        }
    }

    // MARK: Failure and shutdown

    /// The connection or the attempt failed: fail the query in flight (never retried, it may
    /// have run), log why, and try again after a backoff.
    private func broke(_ reason: String) {
        let previous = state
        let lost = query
        query = nil
        disconnect()
        failures += 1
        let delay = reconnectDelay(
            failures: failures, initial: configuration.reconnectInitialDelay,
            maximum: configuration.reconnectMaximumDelay)
        let retry = "retrying in \(Int(delay * 1000)) ms"
        switch previous {
        case .idle, .busy:
            log("connection \(number) to \(configuration.target) lost while \(previous): \(reason); \(retry)")
        default:
            // During an outage every attempt fails the same way; log changes and a heartbeat.
            if reason != lastLoggedFailure || failures % 30 == 0 {
                log("connection \(number) to \(configuration.target) failed while \(previous) (attempt \(failures)): \(reason); \(retry)")
            }
        }
        lastLoggedFailure = reason
        move(to: .backingOff)
        retryTimer = LoopTimer(loop: loop, after: delay) { [unowned self] in connect() }
        pool?.connection(self, broke: lost)
    }

    /// Finishes the connection for good and returns the query that was in flight, if any.
    func close() -> PendingQuery? {
        guard state != .closed else { return nil }
        let lost = query
        query = nil
        retryTimer = nil
        disconnect()
        move(to: .closed)
        return lost
    }

    private func disconnect() {
        // Before PQfinish: libevent must drop the descriptor before libpq closes it.
        watch.release()
        if let connection { PQfinish(connection) }
        connection = nil
        flushing = false
        outcome = nil
    }

    private func move(to next: ConnectionState) {
        assert(state.canMove(to: next), "connection \(number): \(state) -> \(next) is not a valid transition")
        state = next
    }

    // MARK: Helpers

    private var errorMessage: String {
        guard let connection, let message = PQerrorMessage(connection) else { return "no connection" }
        let text = oneLine(String(cString: message))
        return text.isEmpty ? "unknown libpq error" : text
    }

    private var connectTimeoutMessage: String {
        "timed out after \(configuration.connectTimeout) s connecting and preparing statements"
    }

    private func log(_ message: String) {
        configuration.logger(message)
    }
}

/// libpq's messages span lines ("server closed the connection unexpectedly\n\tThis probably
/// means ..."); a log entry should be one line.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline)
        .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        .filter { !$0.isEmpty }
        .joined(separator: "; ")
}

/// Seconds on a clock that never jumps (unlike the wall clock the loop caches).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
