// A named statement that every pool connection prepares once, right after connecting.

/// A statement the pool prepares on each connection before using it, so a request costs one
/// round trip with no parsing or planning on the server. Parameters are `$1`, `$2`, ...; their
/// types are inferred by Postgres and they travel as text.
public struct PreparedStatement: Sendable, Equatable {
    /// The name passed to `PostgresPool.query`.
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}
