// A blocking connection for command-line tools (`authd migrate`, `authd user create`) and for
// threads of their own that LISTEN.

import Glibc
import CLibpq

/// One ordinary, blocking libpq connection.
///
/// Every call waits for the server, so this is for command-line tools and startup tasks only;
/// never use it on an event loop (use `PostgresPool` there). Not Sendable: use it from the
/// thread that created it.
public final class PostgresSession {
    private var connection: OpaquePointer?

    /// Connects, waiting at most about `configuration.connectTimeout` (libpq rounds up to whole
    /// seconds, minimum 2, per address tried).
    public init(configuration: PostgresConfiguration) throws(PostgresSetupError) {
        let (keywords, values) = configuration.sessionParameters
        let connection = withCStrings(keywords.map(Optional.some) + [nil]) { keywords in
            withCStrings(values.map(Optional.some) + [nil]) { values in PQconnectdbParams(keywords, values, 0) }
        }
        guard let connection else { throw PostgresSetupError("could not connect to \(configuration.target): out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = oneLine(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw PostgresSetupError("could not connect to \(configuration.target): \(reason)")
        }
        // Notices ("relation ... already exists, skipping") would otherwise be printed to stderr.
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        self.connection = connection
    }

    deinit {
        close()
    }

    /// Runs one statement with text `parameters` (`$1`, `$2`, ...; `nil` is SQL NULL) and
    /// returns its rows in text format.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        guard let connection else { throw .unavailable }
        guard !containsNUL(parameters) else { throw nulParameterError }
        let result = withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try rows(from: result)
    }

    /// Runs `sql`, which may hold several statements separated by semicolons (a migration
    /// file). Stops at the first error. Without an explicit BEGIN the whole script is one
    /// transaction.
    public func executeScript(_ sql: String) throws(PostgresError) {
        guard let connection else { throw .unavailable }
        try rows(from: PQexec(connection, sql))
    }

    /// Sends `sql` (a script, no parameters) without waiting for its answer, which
    /// `notifications(waitingAtMost:)` reads and checks.
    public func send(_ sql: String) throws(PostgresError) {
        guard let connection else { throw .unavailable }
        guard PQsendQuery(connection, sql) == 1 else { throw .connectionLost }
    }

    /// A query sent with `send` is still being answered.
    public var commandInProgress: Bool {
        connection.map { PQtransactionStatus($0) == PQTRANS_ACTIVE } ?? false
    }

    /// Waits at most `timeout` seconds for the server, then returns the notifications received
    /// (of channels this session LISTENs to), in the order they were sent. Answers to `send`
    /// are read on the way; one that failed is thrown, as is a lost connection.
    public func notifications(waitingAtMost timeout: Double) throws(PostgresError) -> [PostgresNotification] {
        guard let connection else { throw .unavailable }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, Int32(max(0, timeout * 1000).rounded(.up))) > 0 {
            guard PQconsumeInput(connection) == 1 else { throw .connectionLost }
        }
        while PQisBusy(connection) == 0, let result = PQgetResult(connection) {
            try rows(from: result)
        }
        guard PQstatus(connection) == CONNECTION_OK else { throw .connectionLost }
        var received: [PostgresNotification] = []
        while let notification = PQnotifies(connection) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notification.pointee.relname), payload: String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }

    /// Ends the connection. Later calls throw `.unavailable`.
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    @discardableResult
    private func rows(from result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        defer { PQclear(result) }
        guard let result, PQstatus(connection) == CONNECTION_OK else { throw .connectionLost }
        switch CommandOutcome(result) {
        case .rows(let rows): return rows
        case .failed(let error): throw error
        case .aborted: throw .server(sqlState: "", message: "not run: pipeline aborted")  // no pipelines here
        }
    }
}

/// A NOTIFY this session received.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
}

/// One thread at a time: libpq connections are not safe to share between threads.
@available(*, unavailable)
extension PostgresSession: Sendable {}
