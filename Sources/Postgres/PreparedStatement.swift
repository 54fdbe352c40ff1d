// A named statement that every pool connection prepares once, right after connecting.

/// A statement the pool prepares on each connection before using it, so a request costs one
/// round trip with no parsing or planning on the server. Parameters are `$1`, `$2`, ...; their
/// types are inferred by Postgres and they travel as text.
public struct PreparedStatement: Sendable, Equatable {
    /// The name passed to `PostgresPool.query`.
    public let name: String
    public let sql: String
    /// Declares that the statement changes nothing, so it may share a pipeline sync point with
    /// other queries. Postgres runs everything between two sync points as one implicit
    /// transaction: a failure later in a shared batch would roll back a write that had already
    /// been reported done. So any statement not declared read-only gets a sync of its own.
    public let readOnly: Bool

    public init(name: String, sql: String, readOnly: Bool = false) {
        self.name = name
        self.sql = sql
        self.readOnly = readOnly
    }
}
