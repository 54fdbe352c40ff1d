// A snapshot of a pool for /readyz and metrics.

/// Counts taken from one `PostgresPool` at one moment.
public struct PostgresPoolStats: Sendable, Equatable {
    /// Connections waiting to reconnect after a failure.
    public var backingOff = 0
    /// Connections in `PQconnectPoll`.
    public var connecting = 0
    /// Connections preparing their statements.
    public var preparing = 0
    /// Connections ready for a query.
    public var idle = 0
    /// Connections with a query in flight.
    public var busy = 0
    /// Queries waiting for a connection.
    public var queueDepth = 0
    /// Queries that completed with any `PostgresError` since the pool started.
    public var errors = 0
    /// Connections lost and connection attempts failed since the pool started.
    public var connectionFailures = 0

    public init() {}
}
