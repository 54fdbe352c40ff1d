// The rows of one result in text format, copied out of libpq's PGresult.

/// The result of one statement: column names, the rows as text (SQL NULL is `nil`), and the
/// count from the command tag. Iterating a `PostgresRows` yields its rows, so
/// `rows.first?[0]` is the first column of the first row.
public struct PostgresRows: Sendable, Equatable, RandomAccessCollection {
    /// Column names in result order.
    public let columns: [String]
    /// Each row's values in text format, as Postgres prints them (`t`/`f` for booleans).
    public let rows: [[String?]]
    /// Rows inserted, updated, deleted or selected, from `PQcmdTuples`; 0 if the command has none.
    public let affectedRows: Int

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> [String?] { rows[position] }
}
