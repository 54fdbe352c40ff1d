// A prepared statement beside the types of its parameters and of its answer.

/// A statement, how its parameters become text, and how its rows become one value. Handlers
/// run it with `PostgresPool.run` and receive the decoded value: they never index a row, and
/// columns are read by name, so a column added to a query cannot shift another.
public struct TypedStatement<Parameters, Answer>: Sendable {
    public let prepared: PreparedStatement
    let encode: @Sendable (Parameters) -> [String?]
    let decode: @Sendable (PostgresRows) throws(PostgresError) -> Answer

    public init(
        _ prepared: PreparedStatement, encode: @escaping @Sendable (Parameters) -> [String?],
        decode: @escaping @Sendable (PostgresRows) throws(PostgresError) -> Answer
    ) {
        self.prepared = prepared
        self.encode = encode
        self.decode = decode
    }
}

extension PostgresRows {
    /// Row `index` with its values by column name; nil past the last row.
    public func row(_ index: Int) -> PostgresRow? {
        index < rows.count ? PostgresRow(columns: columns, values: rows[index]) : nil
    }
}

/// One result row, read by column name in Postgres's text format. A column the result lacks, or
/// a value that is not of the asked type, throws `.unexpectedResult`: a query and its decoder
/// that disagree fail loudly instead of reading the wrong column.
public struct PostgresRow: Sendable {
    let columns: [String]
    let values: [String?]

    /// The value as text; nil for SQL NULL.
    public func text(_ column: String) throws(PostgresError) -> String? {
        guard let index = columns.firstIndex(of: column), index < values.count else {
            throw .unexpectedResult("no column \"\(column)\" in the result")
        }
        return values[index]
    }

    /// A boolean (`t` or `f`); nil for SQL NULL.
    public func bool(_ column: String) throws(PostgresError) -> Bool? {
        switch try text(column) {
        case nil: return nil
        case "t": return true
        case "f": return false
        default: throw .unexpectedResult("column \"\(column)\" is not a boolean")
        }
    }

    /// A bigint; nil for SQL NULL.
    public func int64(_ column: String) throws(PostgresError) -> Int64? {
        guard let text = try text(column) else { return nil }
        guard let value = Int64(text) else { throw .unexpectedResult("column \"\(column)\" is not a bigint") }
        return value
    }

    /// A value that must not be NULL.
    public func required<Value>(_ column: String, _ read: (String) throws(PostgresError) -> Value?) throws(PostgresError) -> Value {
        guard let value = try read(column) else { throw .unexpectedResult("column \"\(column)\" is NULL") }
        return value
    }
}
