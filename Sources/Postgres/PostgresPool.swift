// The per-loop connection pool: a bounded FIFO of queries in front of a few nonblocking
// connections, failing fast whenever the database is out of reach.

public import EventLoop

/// A loop's Postgres connections and its queue of waiting queries.
///
/// Not Sendable: create one per event loop, on that loop's thread, and call it only there. No
/// call ever blocks the loop: connecting, preparing, sending and reading are all driven by
/// socket readiness.
///
/// Failure policy, chosen so that authd answers 503 quickly during an outage:
/// - a query is refused with `.unavailable` at once when the queue is full, or when no
///   connection is up or about to be (a connection retrying after failures does not count);
/// - when the last connection dies, every waiting query fails with `.unavailable`;
/// - the queries in flight on a connection that breaks fail with `.connectionLost` and are
///   never retried, since they may have run;
/// - a query still unanswered after `queryTimeout` fails with `.timeout`; if it was in flight,
///   its connection is reset and every other query in flight there fails with `.timeout` too.
///
/// Each connection pipelines up to `pipelineDepth` queries; a query goes to the connection
/// with the fewest in flight, and completes in sending order on that connection.
public final class PostgresPool {
    private let loop: EventLoop
    private let configuration: PostgresConfiguration
    private var connections: [PostgresConnection] = []
    /// FIFO of queries waiting for room in a connection's pipeline. At most `queueLimit` (64 by
    /// default) long, so removing from the front of an array costs less than a ring buffer's
    /// bookkeeping.
    private var waiting: [PendingQuery] = []
    /// Sends the queries of one loop iteration together (see `query`).
    private var dispatchSoon: LoopTrigger!
    private var isClosed = false
    private var queries = 0
    private var errors: [PostgresError.Kind: Int] = [:]
    private var connectionFailures = 0

    /// Opens `configuration.connections` connections, each of which prepares `statements`
    /// before it takes queries. Must be called on `loop`'s thread.
    public init(loop: EventLoop, configuration: PostgresConfiguration, statements: [PreparedStatement]) {
        precondition(loop.inLoop, "a PostgresPool is created on its loop's thread")
        precondition(configuration.connections >= 1, "a pool needs at least one connection")
        precondition(configuration.queueLimit >= 0 && configuration.queryTimeout > 0 && configuration.connectTimeout > 0)
        precondition(configuration.pipelineDepth >= 1, "a connection needs room for at least one query")
        precondition(Set(statements.map(\.name)).count == statements.count, "statement names must be unique")
        self.loop = loop
        self.configuration = configuration
        connections = (1...configuration.connections).map {
            PostgresConnection(number: $0, loop: loop, configuration: configuration, statements: statements)
        }
        for connection in connections { connection.pool = self }
        dispatchSoon = LoopTrigger(loop: loop) { [unowned self] in dispatch() }
        for connection in connections { connection.connect() }
    }

    deinit {
        close()
    }

    /// Runs the prepared statement named `statement` with text `parameters` (`nil` is SQL NULL).
    ///
    /// `completion` runs exactly once on the loop: with the rows, or with a `PostgresError`.
    /// When the pool cannot take the query it runs at once, before `query` returns.
    /// Parameters are never logged (they hold password hashes and token ids).
    public func query(
        _ statement: String, _ parameters: [String?],
        completion: @escaping (Result<PostgresRows, PostgresError>) -> Void
    ) {
        precondition(loop.inLoop, "PostgresPool.query called off its loop")
        queries += 1
        let query = PendingQuery(statement: statement, parameters: parameters, completion: completion)
        guard !isClosed, connections.contains(where: \.isPromising) else {
            return finish(query, .failure(.unavailable))
        }
        guard !containsNUL(parameters) else {
            return finish(query, .failure(nulParameterError))
        }
        // The queue bound counts what the pipelines could take at once on top of the limit:
        // queries wait here until the end of this loop iteration even when there is room.
        let room = connections.reduce(0) { $0 + $1.room }
        guard waiting.count < configuration.queueLimit + room else {
            return finish(query, .failure(.unavailable))
        }
        startDeadline(for: query)
        waiting.append(query)
        // Sent when the loop has run the callbacks it woke up for: every query this iteration
        // produced then leaves in one batch per connection, one write and one sync each,
        // instead of one write and one server wake-up per query.
        dispatchSoon.fire()
    }

    /// Runs `statement` with `parameters`; `completion` receives its decoded answer, on the loop,
    /// exactly once (see `query`). A result the statement cannot decode fails with
    /// `.unexpectedResult`, counted and reported like any other failure.
    public func run<Parameters, Answer>(
        _ statement: TypedStatement<Parameters, Answer>, _ parameters: Parameters,
        completion: @escaping (Result<Answer, PostgresError>) -> Void
    ) {
        let name = statement.prepared.name
        query(name, statement.encode(parameters)) { [weak self] result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let rows):
                do throws(PostgresError) {
                    completion(.success(try statement.decode(rows)))
                } catch {
                    self?.failed(name, error)
                    completion(.failure(error))
                }
            }
        }
    }

    /// True when at least one connection is idle or busy: what /readyz reports.
    public var isReady: Bool {
        connections.contains { $0.state == .idle || $0.state == .busy }
    }

    /// Connections by state, queries in flight, queue depth and error counts.
    public var stats: PostgresPoolStats {
        var stats = PostgresPoolStats()
        for connection in connections {
            switch connection.state {
            case .backingOff: stats.backingOff += 1
            case .connecting: stats.connecting += 1
            case .preparing: stats.preparing += 1
            case .idle: stats.idle += 1
            case .busy: stats.busy += 1
            case .closed: break
            }
            stats.inFlight += connection.inFlight.count
        }
        stats.queueDepth = waiting.count
        stats.queries = queries
        stats.errors = errors.values.reduce(0, +)
        stats.errorsByKind = errors
        stats.connectionFailures = connectionFailures
        return stats
    }

    /// Finishes every connection and fails every waiting or in-flight query with `.unavailable`.
    /// Later queries fail the same way. Call before the loop stops.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        var failed = waiting
        waiting = []
        for connection in connections {
            failed += connection.close()
        }
        fail(failed, with: .unavailable)
    }

    // MARK: Called by connections

    func connectionBecameIdle(_ connection: PostgresConnection) {
        dispatch()
    }

    /// `finished` are answered queries, oldest first; `retry` were skipped by the server after
    /// an earlier query of their batch failed, and go back to the front of the queue.
    func connection(
        _ connection: PostgresConnection, finished: [(PendingQuery, Result<PostgresRows, PostgresError>)], retry: [PendingQuery]
    ) {
        waiting.insert(contentsOf: retry, at: 0)
        // Fill the freed pipeline room with waiting queries before running the completions,
        // which may take their time or query again (and must not jump the queue).
        dispatch()
        for (query, result) in finished {
            finish(query, result)
        }
    }

    func connection(_ connection: PostgresConnection, broke lost: [PendingQuery]) {
        connectionFailures += 1
        fail(lost, with: .connectionLost)
        // Nothing left that could serve the queue soon: answer now rather than at the timeout.
        if !isClosed, !connections.contains(where: \.isPromising) {
            let failed = waiting
            waiting = []
            fail(failed, with: .unavailable)
        }
    }

    // MARK: Queue

    private func dispatch() {
        guard !waiting.isEmpty else { return }
        // Spread the waiting queries over the connections, least loaded first (two half-full
        // pipelines keep two backends working; one full pipeline keeps one), then hand each
        // connection its share in one `send`.
        var shares: [ObjectIdentifier: Int] = [:]
        var order: [PostgresConnection] = []
        var assigned = 0
        while assigned < waiting.count {
            var best: PostgresConnection?
            var bestRoom = 0
            for connection in connections {
                let room = connection.room - shares[ObjectIdentifier(connection), default: 0]
                if room > bestRoom { (best, bestRoom) = (connection, room) }
            }
            guard let best else { break }
            if shares[ObjectIdentifier(best)] == nil { order.append(best) }
            shares[ObjectIdentifier(best), default: 0] += 1
            assigned += 1
        }
        // FIFO: the earliest waiting queries go to the connection chosen first.
        for connection in order {
            // Re-checked: a send that broke a connection may have emptied the queue, and room
            // only shrinks (nothing completes during a send).
            let count = min(shares[ObjectIdentifier(connection)]!, waiting.count, connection.room)
            guard count > 0 else { continue }
            let batch = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            connection.send(batch)
        }
    }

    private func startDeadline(for query: PendingQuery) {
        // Weak: the timer belongs to the query, and the pool may be gone when it fires.
        query.deadline = LoopTimer(loop: loop, after: configuration.queryTimeout) { [weak self, weak query] in
            guard let self, let query else { return }
            deadlinePassed(query)
        }
    }

    private func deadlinePassed(_ query: PendingQuery) {
        if let index = waiting.firstIndex(where: { $0 === query }) {
            waiting.remove(at: index)
            fail([query], with: .timeout)
        } else if let connection = connections.first(where: { $0.inFlight.contains { $0 === query } }) {
            // The oldest query in flight timed out (deadlines run in arrival order, and so do
            // pipelines): the rest are stuck behind it, and resetting loses them all anyway.
            fail(connection.abandonQueries(), with: .timeout)
        } else {
            fail([query], with: .timeout)
        }
    }

    private func fail(_ queries: [PendingQuery], with error: PostgresError) {
        for query in queries { finish(query, .failure(error)) }
    }

    /// Every query ends here: failures are counted by kind and reported with the statement's
    /// name (never its parameters) before the completion runs.
    private func finish(_ query: PendingQuery, _ result: Result<PostgresRows, PostgresError>) {
        if case .failure(let error) = result { failed(query.statement, error) }
        query.finish(result)
    }

    private func failed(_ statement: String, _ error: PostgresError) {
        errors[error.kind, default: 0] += 1
        configuration.queryFailed(statement, error)
    }
}

/// Loop-confined: the compiler rejects sending a pool to another thread.
@available(*, unavailable)
extension PostgresPool: Sendable {}
