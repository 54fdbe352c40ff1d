// A snapshot of a pool for /readyz and metrics.

/// Counts taken from one `PostgresPool` at one moment.
public struct PostgresPoolStats: Sendable, Equatable {
    /// Connections waiting to reconnect after a failure.
    public var backingOff = 0
    /// Connections in `PQconnectPoll`.
    public var connecting = 0
    /// Connections preparing their statements.
    public var preparing = 0
    /// Connections up, in pipeline mode, with no query in flight.
    public var idle = 0
    /// Connections up with at least one query in flight (up to `pipelineDepth` each); a busy
    /// connection may still take more queries.
    public var busy = 0
    /// Queries sent and not yet answered, over all connections: the pool's load. At most
    /// `busy × pipelineDepth`.
    public var inFlight = 0
    /// Queries waiting because every connection's pipeline is full (or none is up yet).
    public var queueDepth = 0
    /// Queries asked of the pool since it started, answered or not.
    public var queries = 0
    /// Queries that completed with any `PostgresError` since the pool started.
    public var errors = 0
    /// The same, by kind of failure.
    public var errorsByKind: [PostgresError.Kind: Int] = [:]
    /// Connections lost and connection attempts failed since the pool started.
    public var connectionFailures = 0

    public init() {}

    /// Adds another pool's counts: several loops' pools reported as one.
    public mutating func add(_ other: PostgresPoolStats) {
        backingOff += other.backingOff
        connecting += other.connecting
        preparing += other.preparing
        idle += other.idle
        busy += other.busy
        inFlight += other.inFlight
        queueDepth += other.queueDepth
        queries += other.queries
        errors += other.errors
        errorsByKind.merge(other.errorsByKind, uniquingKeysWith: +)
        connectionFailures += other.connectionFailures
    }
}
