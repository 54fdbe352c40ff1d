// Log lines on standard error, as text or JSON, written by a thread of their own so that no loop
// ever waits on a slow terminal or a full pipe. Never a password, token or hash.
import Glibc
import EventLoop
import JSON
import Synchronization

package enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    /// As text lines write it.
    var tag: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        }
    }

    /// As AUTHD_LOG_LEVEL spells it and JSON lines write it.
    package var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warn"
        case .error: "error"
        }
    }

    package static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

package enum LogFormat: Int, Sendable, CaseIterable {
    /// `2026-11-29T03:40:00.123Z INFO request method=POST path=/api/token/ status=200 ...`
    case text
    /// One JSON object per line: `{"time":...,"level":"info","msg":"request","method":"POST",...}`
    case json

    package var name: String { self == .text ? "text" : "json" }
}

/// A value in a log line's fields.
package enum LogValue: Sendable {
    case text(String)
    case integer(Int)
    /// Written with three decimals.
    case decimal(Double)
}

package enum Log {
    private static let sink = LogSink { dropped in
        line(.warning, "log lines dropped: standard error too slow", [("count", .integer(dropped))])
    }
    private static let minimum = Atomic<Int>(LogLevel.info.rawValue)
    private static let format = Atomic<Int>(LogFormat.text.rawValue)

    /// Set once at start-up, before the loops start.
    package static func configure(level: LogLevel, format: LogFormat) {
        minimum.store(level.rawValue, ordering: .relaxed)
        Self.format.store(format.rawValue, ordering: .relaxed)
    }

    package static func enabled(_ level: LogLevel) -> Bool { level.rawValue >= minimum.load(ordering: .relaxed) }

    /// Queues one line; the log thread writes it. Lines beyond the queue's limit are dropped
    /// and counted rather than block the caller.
    package static func write(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)] = []) {
        guard enabled(level) else { return }
        sink.append(line(level, message, fields))
    }

    private static func line(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) -> [UInt8] {
        LogFormat(rawValue: format.load(ordering: .relaxed)) == .json
            ? jsonLine(level, message, fields) : textLine(level, message, fields)
    }

    package static func debug(_ message: String) { write(.debug, message) }
    package static func info(_ message: String) { write(.info, message) }
    package static func warning(_ message: String) { write(.warning, message) }
    package static func error(_ message: String) { write(.error, message) }

    /// The access log: one line per answered request. The query string is left out: clients
    /// put tokens there.
    static func request(_ answer: HTTPAnswer) {
        guard enabled(.info) else { return }
        write(
            .info, "request",
            [
                ("method", .text(answer.method?.rawValue ?? "-")), ("path", .text(answer.path)), ("status", .integer(answer.status)),
                ("duration_ms", .decimal(answer.duration * 1000)), ("request_id", .text(answer.requestID)),
            ])
    }

    /// Writes every queued line now (before exiting).
    package static func flush() { sink.flush() }

    /// Lines dropped because the queue was full, since start.
    package static var droppedLines: Int { sink.dropped }

    // MARK: Formats

    /// Built as bytes, with no intermediate strings: one line per request adds up.
    private static func textLine(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) -> [UInt8] {
        var line = [UInt8]()
        line.reserveCapacity(160)
        appendTimestamp(to: &line)
        line.append(space)
        line += level.tag.utf8
        line.append(space)
        line += message.utf8
        for (key, value) in fields {
            line.append(space)
            line += key.utf8
            line.append(UInt8(ascii: "="))
            switch value {
            case .text(let text): appendQuoted(text, to: &line)
            case .integer(let number): appendDigits(number, width: 1, to: &line)
            case .decimal(let number): appendDecimal(number, to: &line)
            }
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static func jsonLine(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("time")
        var stamp = [UInt8]()
        appendTimestamp(to: &stamp)
        writer.writeString(String(decoding: stamp, as: UTF8.self))
        writer.key("level")
        writer.writeString(level.name)
        writer.key("msg")
        writer.writeString(message)
        for (key, value) in fields {
            writer.key(key)
            switch value {
            case .text(let text): writer.writeString(text)
            case .integer(let number): writer.writeInt(number)
            case .decimal(let number):
                var digits = [UInt8]()
                appendDecimal(number, to: &digits)
                writer.writeRaw(digits)
            }
        }
        writer.endObject()
        return writer.bytes + [UInt8(ascii: "\n")]
    }

    private static let space = UInt8(ascii: " ")

    /// A bare value when it is plain, else a JSON string: a path with spaces, quotes or control
    /// characters cannot forge a field or a line.
    static func logfmtQuoted(_ text: String) -> String {
        var bytes = [UInt8]()
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendQuoted(_ text: String, to line: inout [UInt8]) {
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "\\") }
        if plain {
            line += text.utf8
        } else {
            var writer = JSONWriter()
            writer.writeString(text)
            line += writer.bytes
        }
    }

    /// Three decimals: 91.493.
    private static func appendDecimal(_ number: Double, to line: inout [UInt8]) {
        let thousandths = Int((number * 1000).rounded())
        appendDigits(thousandths / 1000, width: 1, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(abs(thousandths % 1000), width: 3, to: &line)
    }

    /// `number` in decimal, zero-padded to `width` digits.
    private static func appendDigits(_ number: Int, width: Int, to line: inout [UInt8]) {
        if number < 0 { line.append(UInt8(ascii: "-")) }
        // Least significant first, then reversed in place: no buffer of its own.
        let start = line.count
        var value = number.magnitude
        repeat {
            line.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
        } while value > 0
        while line.count - start < width { line.append(UInt8(ascii: "0")) }
        line[start...].reverse()
    }

    /// UTC with milliseconds: 2026-11-29T03:40:00.123Z.
    private static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(Int(parts.tm_year) + 1900, width: 4, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, width: 2, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), width: 2, to: &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), width: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(now.tv_nsec / 1_000_000, width: 3, to: &line)
        line.append(UInt8(ascii: "Z"))
    }
}

/// The queue between the threads that log and the one that writes standard error.
private final class LogSink: Sendable {
    private struct Queue {
        var bytes: [UInt8] = []
        var dropped = 0
        var droppedSinceReport = 0
    }

    /// Lines waiting beyond this many bytes are dropped (a stalled reader must not grow memory).
    private static let limit = 4 << 20
    /// The log thread writes what has queued up this often, in one write(2), or sooner once
    /// this much is waiting. Waking it for every line would cost each request a futex wake.
    private static let interval = 0.05
    private static let eagerBytes = 256 << 10
    private let queue = Lock(Queue())
    /// The writer's buffer, swapped with the queue's (both keep their capacity). Held while
    /// writing, so a flush and the log thread never interleave or reorder lines.
    private let writing = Lock<[UInt8]>([])
    private let pending = Semaphore()
    private let droppedLine: @Sendable (Int) -> [UInt8]

    init(droppedLine: @escaping @Sendable (Int) -> [UInt8]) {
        self.droppedLine = droppedLine
        // Runs for the life of the process; whatever is queued at exit is written by `flush()`.
        spawnThread(name: "authd-log") { [self] in
            while true {
                _ = pending.wait(timeout: Self.interval)
                flush()
            }
        }.detach()
    }

    func append(_ line: [UInt8]) {
        let wake = queue.withLock { queue -> Bool in
            guard queue.bytes.count + line.count <= Self.limit else {
                queue.dropped += 1
                queue.droppedSinceReport += 1
                return false
            }
            let before = queue.bytes.count
            queue.bytes += line
            return before < Self.eagerBytes && queue.bytes.count >= Self.eagerBytes
        }
        if wake { pending.signal() }
    }

    var dropped: Int { queue.withLock { $0.dropped } }

    func flush() {
        writing.withLock { buffer in
            let dropped = queue.withLock { queue -> Int in
                swap(&queue.bytes, &buffer)
                defer { queue.droppedSinceReport = 0 }
                return queue.droppedSinceReport
            }
            guard !buffer.isEmpty || dropped > 0 else { return }
            Self.writeAll(buffer)
            buffer.removeAll(keepingCapacity: true)
            if dropped > 0 { Self.writeAll(droppedLine(dropped)) }
        }
    }

    private static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard error is gone: nothing else to tell
                }
            }
        }
    }
}
