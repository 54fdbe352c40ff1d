// Log lines on standard error: time, level, message. Never a password, token or hash.
import Glibc

public enum Log {
    public enum Level: String, Sendable {
        case info = "INFO", warning = "WARN", error = "ERROR"
    }

    public static func write(_ level: Level, _ message: String) {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        let stamp = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let line = "\(stamp) \(level.rawValue) \(message)\n"
        // One write(2) per line keeps lines from different threads whole.
        _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress, $0.count - 1) }
    }

    public static func info(_ message: String) { write(.info, message) }
    public static func warning(_ message: String) { write(.warning, message) }
    public static func error(_ message: String) { write(.error, message) }
}
