// One nonblocking libpq connection driven by the loop: connect, prepare, then pipeline mode
// with up to `pipelineDepth` queries in flight, and recovery (backoff after a failure, reset
// after a timeout). The pool decides what runs.

import Glibc
import CLibpq
import EventLoop

/// A pool connection. Not Sendable: created, driven and finished on its pool's loop.
///
/// Every libpq call here returns at once: the socket is nonblocking, results are read only when
/// `PQisBusy` says they are complete, and each wait is a one-shot `SocketWatch` re-armed with a
/// freshly read `PQsocket`, because libpq may switch sockets while connecting.
///
/// Once its statements are prepared the connection enters libpq's pipeline mode: queries are
/// sent without waiting for the previous ones' results, in batches that end in a sync point
/// (see `send`). Results come back in the order the queries were sent, so `inFlight` is a
/// FIFO: the oldest query's results are always the next ones to read.
final class PostgresConnection {
    /// 1-based, for log lines.
    let number: Int
    private(set) var state: ConnectionState = .backingOff
    /// Queries sent and not yet answered, oldest first; non-empty exactly when `state == .busy`.
    private(set) var inFlight: [PendingQuery] = []
    /// Consecutive attempts that failed; 0 once a connection reaches idle.
    private(set) var failures = 0
    /// Told about idle connections, finished queries and breakage. Weak: the pool owns us.
    weak var pool: PostgresPool?

    private let loop: EventLoop
    private let configuration: PostgresConfiguration
    private let keywords: [String]
    private let values: [String]
    private let statements: [PreparedStatement]
    /// Names of the statements that may share a sync point.
    private let readOnlyStatements: Set<String>
    /// Each statement's SQL by name, for unnamed statements (`preparedStatements` off).
    private let sqlByName: [String: String]
    private let watch: SocketWatch
    private var connection: OpaquePointer?
    private var retryTimer: LoopTimer?
    /// When connecting plus preparing must be done (monotonic seconds).
    private var connectDeadline = 0.0
    private var nextStatement = 0
    /// libpq still holds bytes of the current command that the kernel did not take.
    private var flushing = false
    /// The current command's result so far: the statement being prepared, or the oldest query
    /// in flight.
    private var outcome: CommandOutcome?
    /// How many queries each batch in flight has, oldest first. A batch is the queries of one
    /// `send`, followed by one sync point.
    private var batchSizes: [Int] = []
    /// Outcomes of the oldest batch's queries answered so far. They are handed out only when
    /// the batch's sync arrives: until then the connection may still die under them, and a
    /// query whose batch did not finish is lost, not answered (the server's "terminating
    /// connection" error is not the query's result).
    private var batchOutcomes: [CommandOutcome] = []
    /// Every query of the oldest batch is answered; what comes next is the batch's
    /// `PGRES_PIPELINE_SYNC` result.
    private var awaitingSync = false
    /// What the watch is armed for while idle or busy, so that sending another query into an
    /// already watched pipeline does not tear the event down and add it again (two epoll_ctl
    /// calls). Nil when not armed.
    private var armedInterest: SocketWatch.Readiness?
    private var lastLoggedFailure: String?

    init(number: Int, loop: EventLoop, configuration: PostgresConfiguration, statements: [PreparedStatement]) {
        self.number = number
        self.loop = loop
        self.configuration = configuration
        (keywords, values) = configuration.poolParameters
        self.statements = statements
        readOnlyStatements = Set(statements.filter(\.readOnly).map(\.name))
        sqlByName = Dictionary(statements.map { ($0.name, $0.sql) }, uniquingKeysWith: { first, _ in first })
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

    /// How many more queries `send` may take now: none unless up and in pipeline mode.
    var room: Int {
        switch state {
        case .idle, .busy: configuration.pipelineDepth - inFlight.count
        default: 0
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
        guard !statements.isEmpty, configuration.preparedStatements else { return becomeIdle() }
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

    /// Connected and prepared: from now on every query goes through the pipeline.
    private func becomeIdle() {
        // Only possible while no command is running, which is the case here. Preparing is done
        // outside pipeline mode because it runs one statement at a time anyway.
        guard PQenterPipelineMode(connection) == 1 else { return broke(errorMessage) }
        move(to: .idle)
        if failures > 0 {
            log("connection \(number) to \(configuration.target) is back after \(failures) failed attempt(s)")
        }
        failures = 0
        lastLoggedFailure = nil
        armedInterest = nil
        advance(after: [])
        pool?.connectionBecameIdle(self)
    }

    // MARK: Queries

    /// Sends `queries` (at most `room`) into the pipeline in batches, each ending in a sync
    /// point. Read-only queries share a batch; any other query ends its batch, because Postgres
    /// runs a batch as one implicit transaction and a later failure in it would roll back the
    /// write after it was reported done. A batch of reads costs one send(2) (libpq 15's
    /// `PQpipelineSync` flushes), and the server answers it in one write. If a query fails, the
    /// server skips the rest of its batch (PGRES_PIPELINE_ABORTED); those were not run and go
    /// back to the pool to be sent again. The pool hears back through
    /// `connection(_:finished:retry:)` or `connection(_:broke:)`, in sending order.
    func send(_ queries: [PendingQuery]) {
        precondition(!queries.isEmpty && queries.count <= room, "send needs 1...room queries")
        if state == .idle { move(to: .busy) }
        // In flight before sending: if a send fails, every query handed over, sent or not,
        // fails with .connectionLost rather than being dropped.
        inFlight += queries
        var batch = 0
        for (index, query) in queries.enumerated() {
            let sent = withCStrings(query.parameters) { values in
                // Text parameters (lengths and formats NULL), text results (0).
                if configuration.preparedStatements {
                    return PQsendQueryPrepared(connection, query.statement, Int32(query.parameters.count), values, nil, nil, 0)
                }
                // No parameter types: Postgres infers them, as it does when preparing.
                return PQsendQueryParams(
                    connection, sqlByName[query.statement] ?? "", Int32(query.parameters.count), nil, values, nil, nil, 0)
            }
            // Part of a request may have reached the server, so a failure here is a lost
            // connection for the queries, not a chance to retry them.
            guard sent == 1 else { return broke(errorMessage) }
            batch += 1
            if index == queries.count - 1 || !readOnlyStatements.contains(query.statement) {
                batchSizes.append(batch)
                batch = 0
                guard PQpipelineSync(connection) == 1 else { return broke(errorMessage) }
            }
        }
        guard let connection else { return }
        // Send only; results are read when the socket says they arrived. Reading here could
        // complete newer queries while the pool is still completing older ones.
        switch PQflush(connection) {
        case 0: flushing = false
        case 1: flushing = true
        default: return broke(errorMessage)
        }
        watchPipeline()
    }

    /// Gives up every query in flight (the oldest one's deadline passed) by closing the
    /// connection and returns them: in a pipeline the later queries would wait behind the
    /// stuck one anyway, and without a cancel request a reset is the only way to free the
    /// connection at once. It reconnects without backoff, since nothing suggests Postgres is down.
    func abandonQueries() -> [PendingQuery] {
        precondition(state == .busy, "only a busy connection has queries to abandon")
        log(
            "connection \(number): query timed out after \(configuration.queryTimeout) s with \(inFlight.count) in flight; "
                + "resetting the connection")
        let abandoned = inFlight
        inFlight = []
        disconnect()
        connect()
        return abandoned
    }

    private func startCommand() {
        flushing = true
        outcome = nil
        advance(after: [])
    }

    /// Moves the connection forward and never blocks: sends what libpq buffered, reads what
    /// arrived, and takes results only while `PQisBusy` is false. While idle it still reads
    /// the socket: a server shutting down sends a FATAL and closes, and noticing that at once
    /// means the next query is not sent into a dead socket.
    private func advance(after readiness: SocketWatch.Readiness) {
        guard let connection else { return }
        if readiness.contains(.timedOut) { return broke(connectTimeoutMessage) }  // only while preparing
        if !readiness.isEmpty { armedInterest = nil }  // the one-shot watch has fired
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
        switch state {
        case .preparing:
            while PQisBusy(connection) == 0 {
                guard let result = PQgetResult(connection) else { return prepareFinished() }
                keep(CommandOutcome(result))
                PQclear(result)
            }
        case .idle, .busy:
            var completed: [(PendingQuery, Result<PostgresRows, PostgresError>)] = []
            var retry: [PendingQuery] = []
            // Skipped queries of a finished batch still fail with the connection if it breaks
            // now: they go back in front of what is in flight before `broke` takes it.
            if let failure = readPipelineResults(into: &completed, retry: &retry) {
                inFlight.insert(contentsOf: retry, at: 0)
                return broke(failure, after: completed)
            }
            // EOF or a FATAL can leave the connection dead with no error on the way.
            guard PQstatus(connection) == CONNECTION_OK else {
                inFlight.insert(contentsOf: retry, at: 0)
                return broke(errorMessage, after: completed)
            }
            if inFlight.isEmpty, state == .busy { move(to: .idle) }
            watchPipeline()
            // Last, with the connection consistent: the pool may send more queries on it or
            // close it from a completion handler.
            if !completed.isEmpty || !retry.isEmpty { pool?.connection(self, finished: completed, retry: retry) }
            return
        default:
            preconditionFailure("connection \(number): advance in state \(state)")
        }
        let interest: SocketWatch.Readiness = flushing ? [.readable, .writable] : .readable
        // Preparing counts toward connecting.
        let timeout = max(connectDeadline - monotonicSeconds(), 0.001)
        watch.arm(fd: PQsocket(connection), for: interest, timeout: timeout) { [unowned self] readiness in
            advance(after: readiness)
        }
    }

    /// Waits for results (and for room to write, while libpq holds unsent bytes). Idle too: see
    /// `advance`. No timeout: a query's time limit is the pool's per-query timer.
    private func watchPipeline() {
        let interest: SocketWatch.Readiness = flushing ? [.readable, .writable] : .readable
        guard armedInterest != interest, let connection else { return }
        armedInterest = interest
        watch.arm(fd: PQsocket(connection), for: interest) { [unowned self] readiness in
            advance(after: readiness)
        }
    }

    /// Keeps the first failure; otherwise the last result (there is one per statement).
    private func keep(_ next: CommandOutcome) {
        if case .failed = outcome {} else { outcome = next }
    }

    /// Takes every complete result that has arrived. Each query in flight yields its result,
    /// then a NULL that ends it; after the last query of a batch comes the batch's
    /// `PGRES_PIPELINE_SYNC`, which completes the whole batch. Queries the server skipped after
    /// an earlier failure in their batch go to `retry`. Returns why the connection must be
    /// dropped, if it must.
    private func readPipelineResults(
        into completed: inout [(PendingQuery, Result<PostgresRows, PostgresError>)], retry: inout [PendingQuery]
    ) -> String? {
        while PQisBusy(connection) == 0 {
            if awaitingSync {
                // The sync's message may not have arrived yet; then PQisBusy stops the loop.
                guard let result = PQgetResult(connection) else { return "a batch ended without its pipeline sync" }
                defer { PQclear(result) }
                guard PQresultStatus(result) == PGRES_PIPELINE_SYNC else { return "a result arrived where a pipeline sync belongs" }
                awaitingSync = false
                let size = batchSizes.removeFirst()
                for (query, outcome) in zip(inFlight.prefix(size), batchOutcomes) {
                    switch outcome {
                    case .rows(let rows): completed.append((query, .success(rows)))
                    case .failed(let error): completed.append((query, .failure(error)))
                    case .aborted: retry.append(query)
                    }
                }
                inFlight.removeFirst(size)
                batchOutcomes = []
                continue
            }
            // Nothing unanswered in flight: PQgetResult would only return NULL.
            guard batchOutcomes.count < (batchSizes.first ?? 0) else { break }
            guard let result = PQgetResult(connection) else {
                // The NULL after a query's results: that query is answered.
                batchOutcomes.append(outcome ?? .rows(PostgresRows()))
                outcome = nil
                if batchOutcomes.count == batchSizes[0] { awaitingSync = true }
                continue
            }
            defer { PQclear(result) }
            guard PQresultStatus(result) != PGRES_PIPELINE_SYNC else { return "a pipeline sync arrived before its batch's results" }
            keep(CommandOutcome(result))
        }
        return nil
    }

    /// `PQgetResult` returned NULL while preparing: the statement is prepared, or failed.
    private func prepareFinished() {
        guard PQstatus(connection) == CONNECTION_OK else { return broke(errorMessage) }
        let outcome = self.outcome
        self.outcome = nil
        if case .failed(let error) = outcome {
            return broke("preparing statement \(statements[nextStatement].name) failed: \(error)")
        }
        if case .aborted = outcome {
            return broke("preparing statement \(statements[nextStatement].name) was aborted")
        }
        nextStatement += 1
        if nextStatement < statements.count { sendPrepare() } else { becomeIdle() }
    }

    // MARK: Failure and shutdown

    /// The connection or the attempt failed: deliver the queries already answered (`completed`),
    /// fail those still in flight (never retried, they may have run), log why, and try again
    /// after a backoff.
    private func broke(
        _ reason: String, after completed: [(PendingQuery, Result<PostgresRows, PostgresError>)] = []
    ) {
        let previous = state
        let lost = inFlight
        inFlight = []
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
        // Answered queries first, so completions stay in sending order.
        if !completed.isEmpty { pool?.connection(self, finished: completed, retry: []) }
        pool?.connection(self, broke: lost)
    }

    /// Finishes the connection for good and returns the queries that were in flight.
    func close() -> [PendingQuery] {
        guard state != .closed else { return [] }
        let lost = inFlight
        inFlight = []
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
        awaitingSync = false
        batchSizes = []
        batchOutcomes = []
        armedInterest = nil
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
