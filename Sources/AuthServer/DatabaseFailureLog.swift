// How a failed query is reported: the statement's name, the kind of failure and the SQLSTATE,
// never its parameters (they hold password hashes and token ids).
import Postgres

enum DatabaseFailureLog {
    static let throttle = LogThrottle(interval: 10)

    /// For `PostgresConfiguration.queryFailed`: one line per statement and kind of failure at
    /// most every 10 s.
    static func report(statement: String, error: PostgresError) {
        var fields: [(String, LogValue)] = [("statement", .text(statement)), ("kind", .text(error.kind.rawValue))]
        var kind = statement + "/" + error.kind.rawValue
        switch error {
        case .server(let sqlState, let message):
            kind += "/" + sqlState
            fields.append(("sqlstate", .text(sqlState.isEmpty ? "none" : sqlState)))
            if let condition = conditionNames[sqlState] { fields.append(("condition", .text(condition))) }
            // Class 42 (undefined table or column, permissions) names schema objects, never
            // values; other messages may quote a parameter ("invalid input syntax ...: "...").
            if sqlState.hasPrefix("42") { fields.append(("message", .text(message))) }
        case .unexpectedResult(let reason):
            fields.append(("reason", .text(reason)))
        case .unavailable, .timeout, .connectionLost:
            break
        }
        throttle.write(kind: kind, .warning, "database query failed", fields)
    }

    /// The SQLSTATEs an operator is likeliest to meet, by their PostgreSQL condition names.
    static let conditionNames: [String: String] = [
        "42P01": "undefined_table", "42703": "undefined_column", "42883": "undefined_function",
        "42501": "insufficient_privilege", "42804": "datatype_mismatch", "23505": "unique_violation",
        "23502": "not_null_violation", "22P02": "invalid_text_representation", "22003": "numeric_value_out_of_range",
        "25006": "read_only_sql_transaction", "40001": "serialization_failure", "40P01": "deadlock_detected",
        "53300": "too_many_connections", "57014": "query_canceled", "57P01": "admin_shutdown",
    ]
}
