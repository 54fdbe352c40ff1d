// Copies a libpq PGresult into Swift values; shared by the pool and the blocking session.

import Glibc
import CLibpq

/// What one finished command produced, before the connection decides what it means.
enum CommandOutcome {
    case rows(PostgresRows)
    case failed(PostgresError)
    /// Not run: an earlier query of the same pipeline batch failed (PGRES_PIPELINE_ABORTED).
    /// Safe to send again.
    case aborted

    /// Reads `result` (which the caller still owns and must `PQclear`).
    init(_ result: OpaquePointer) {
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_SINGLE_TUPLE:
            self = .rows(Self.rows(of: result))
        case PGRES_EMPTY_QUERY:
            self = .rows(PostgresRows())
        case PGRES_PIPELINE_ABORTED:
            self = .aborted
        default:
            self = .failed(Self.error(of: result))
        }
    }

    private static func rows(of result: OpaquePointer) -> PostgresRows {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append(
                (0..<columnCount).map { column -> String? in
                    guard PQgetisnull(result, row, column) == 0 else { return nil }
                    // By length, not by NUL: exact even if a value were to contain one.
                    let length = Int(PQgetlength(result, row, column))
                    return PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                    }
                })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func error(of result: OpaquePointer) -> PostgresError {
        // libpq's own errors (out of memory, a protocol violation) carry no SQLSTATE.
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let message =
            PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? String(cString: PQresultErrorMessage(result)).trimmed
        return .server(sqlState: sqlState, message: message)
    }
}

/// The error Postgres itself gives for a NUL in text ("invalid byte sequence for encoding
/// UTF8: 0x00"). Checked before sending because text parameters travel as C strings, so a NUL
/// would otherwise silently cut a value short ("admin\0x" would become "admin").
let nulParameterError = PostgresError.server(
    sqlState: "22021", message: "invalid byte sequence for encoding \"UTF8\": 0x00")

func containsNUL(_ parameters: [String?]) -> Bool {
    parameters.contains { $0?.utf8.contains(0) ?? false }
}

/// Calls `body` with the parameters as a C array of C strings (NULL for SQL NULL). The pointers
/// live only for the call, which is all libpq needs: it copies them into its output buffer.
func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for copy in copies { free(copy) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
