// What a database call can fail with, as values the HTTP layer maps to status codes.

/// Why a query did not produce rows. authd turns `.unavailable`, `.timeout` and
/// `.connectionLost` into 503 and inspects `sqlState` of `.server` (for example 23505, a unique
/// violation, becomes 409); the server's message is for logs and tools, never for clients.
public enum PostgresError: Error, Sendable, Equatable {
    /// No connection is up, the wait queue is full, or the pool was closed. Returned at once so
    /// that requests fail fast during a database outage instead of piling up.
    case unavailable
    /// The query did not finish within `PostgresConfiguration.queryTimeout`. It may still have
    /// run to completion on the server.
    case timeout
    /// The connection broke while the query was in flight. The statement may or may not have
    /// been executed; the pool never retries it.
    case connectionLost
    /// Postgres (or libpq, with an empty `sqlState`) rejected the statement.
    /// `message` is the primary message only: details may quote row values.
    case server(sqlState: String, message: String)
    /// The statement ran but its result is not what its `TypedStatement` reads (a column
    /// missing, a value of another type): the query and the schema disagree.
    case unexpectedResult(String)

    /// What kind of failure, for counting.
    public enum Kind: String, Sendable, CaseIterable {
        case unavailable, timeout, connectionLost = "connection_lost", server, unexpectedResult = "unexpected_result"
    }

    public var kind: Kind {
        switch self {
        case .unavailable: .unavailable
        case .timeout: .timeout
        case .connectionLost: .connectionLost
        case .server: .server
        case .unexpectedResult: .unexpectedResult
        }
    }
}

extension PostgresError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unavailable: "database unavailable"
        case .timeout: "database query timed out"
        case .connectionLost: "database connection lost during the query"
        case .server(let sqlState, let message): "database error \(sqlState.isEmpty ? "(client)" : sqlState): \(message)"
        case .unexpectedResult(let reason): "unexpected database result: \(reason)"
        }
    }
}

/// Why a connection string, a blocking session or a migration could not be set up. These happen
/// at startup or in command-line tools, where a readable message is what matters.
public struct PostgresSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
