// Readiness of a socket the loop does not own (libpq's), one wait at a time.

import Glibc
internal import CLibevent

/// Waits for a file descriptor to become readable and/or writable, once per `arm` call, with an
/// optional timeout. One-shot on purpose (as pgbouncer's pgsocket does): the owner re-arms after
/// every wake-up, which is also when it notices that the descriptor has changed.
public final class SocketWatch {
    public struct Readiness: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let readable = Readiness(rawValue: 1)
        public static let writable = Readiness(rawValue: 2)
        public static let timedOut = Readiness(rawValue: 4)
    }

    private let loop: EventLoop
    private var event: OpaquePointer?
    private var descriptor: Int32 = -1
    private var handler: ((Readiness) -> Void)?

    public init(loop: EventLoop) {
        self.loop = loop
    }

    deinit { release() }

    /// Waits for `interest` on `fd`; calls `handler` once with what happened.
    /// Must be called again (possibly with another fd) to wait again.
    public func arm(fd: Int32, for interest: Readiness, timeout: Double? = nil, _ handler: @escaping (Readiness) -> Void) {
        // A fresh event per wait: its flags differ from wait to wait, and libpq may have
        // changed the descriptor (a reconnect), so the old event must go before libpq closes
        // or reuses the number. Two small allocations per database round trip.
        release()
        var flags: Int16 = 0
        if interest.contains(.readable) { flags |= Int16(EV_READ) }
        if interest.contains(.writable) { flags |= Int16(EV_WRITE) }
        descriptor = fd
        event = event_new(loop.base, fd, flags, { _, what, context in
            Unmanaged<SocketWatch>.fromOpaque(context!).takeUnretainedValue().fired(what)
        }, Unmanaged.passUnretained(self).toOpaque())
        self.handler = handler
        if let timeout {
            var tv = timeval(seconds: timeout)
            event_add(event, &tv)
        } else {
            event_add(event, nil)
        }
    }

    /// Stops waiting; the handler will not be called.
    private func disarm() {
        handler = nil
        if let event { event_del(event) }
    }

    /// Forgets the descriptor entirely. Call before the descriptor is closed.
    public func release() {
        disarm()
        if let event { event_free(event) }
        event = nil
        descriptor = -1
    }

    private func fired(_ what: Int16) {
        guard let handler else { return }
        self.handler = nil
        var readiness: Readiness = []
        if what & Int16(EV_READ) != 0 { readiness.insert(.readable) }
        if what & Int16(EV_WRITE) != 0 { readiness.insert(.writable) }
        if what & Int16(EV_TIMEOUT) != 0 { readiness.insert(.timedOut) }
        withExtendedLifetime(self) { handler(readiness) }
    }
}
