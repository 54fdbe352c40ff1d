// The states of a pool connection and the only moves allowed between them.

/// What a pool connection is doing. `PostgresConnection.move(to:)` asserts every transition
/// against `canMove(to:)`, so an unexpected callback order fails loudly in debug builds.
enum ConnectionState: String, Sendable {
    /// No socket; a timer will start the next attempt (also the state before the first one).
    case backingOff
    /// `PQconnectPoll` is in progress.
    case connecting
    /// Connected; the statements are being prepared, one `PQsendPrepare` at a time.
    case preparing
    /// In pipeline mode with nothing in flight; the socket is watched so a server hang-up is
    /// noticed at once.
    case idle
    /// 1...`pipelineDepth` queries in flight; takes more while there is room.
    case busy
    /// Finished by `PostgresPool.close()`; never used again.
    case closed

    func canMove(to next: ConnectionState) -> Bool {
        switch (self, next) {
        case (.closed, _): false
        case (_, .closed): true
        case (.backingOff, .connecting): true
        case (.connecting, .preparing), (.connecting, .idle), (.connecting, .backingOff): true
        case (.preparing, .idle), (.preparing, .backingOff): true
        case (.idle, .busy), (.idle, .backingOff): true
        // busy -> connecting: the oldest query timed out and the connection is being reset.
        case (.busy, .idle), (.busy, .backingOff), (.busy, .connecting): true
        default: false
        }
    }
}
