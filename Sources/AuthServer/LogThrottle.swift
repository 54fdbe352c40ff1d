// Log lines that could repeat without bound, written at most once per interval per kind.
import EventLoop

/// A database outage fails every request, and a shortage of descriptors fails every accept: one
/// line each would bury everything else. The first line of each kind is written at once (a
/// missing table shows in the log on the first request that needs it); then at most one per
/// `interval`, carrying how many were left out since the last.
final class LogThrottle: Sendable {
    let interval: Double
    private let state = Lock<[String: (writtenAt: Double, suppressed: Int)]>([:])

    init(interval: Double) {
        self.interval = interval
    }

    /// Writes the line unless one of the same `kind` was written within the interval.
    func write(kind: String, _ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        let seconds = monotonicSeconds()
        let suppressed: Int? = state.withLock { kinds in
            if let last = kinds[kind], seconds - last.writtenAt < interval {
                kinds[kind]?.suppressed += 1
                return nil
            }
            let suppressed = kinds[kind]?.suppressed ?? 0
            kinds[kind] = (seconds, 0)
            return suppressed
        }
        guard let suppressed else { return }
        Log.write(level, message, suppressed > 0 ? fields + [("suppressed", .integer(suppressed))] : fields)
    }
}
