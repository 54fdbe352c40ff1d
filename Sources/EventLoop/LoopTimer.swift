// One-shot timers on an EventLoop, cancelled by cancel() or by dropping them.

import Glibc
internal import CLibevent

/// A one-shot timer. It fires at most once; dropping the last reference cancels it, so an owner
/// (a request, a connection) that goes away cannot be called back.
public final class LoopTimer {
    private var event: OpaquePointer?
    private var action: (() -> Void)?

    /// Schedules `action` after `seconds` on `loop`.
    public init(loop: EventLoop, after seconds: Double, _ action: @escaping () -> Void) {
        self.action = action
        event = event_new(loop.base, -1, 0, { _, _, context in
            Unmanaged<LoopTimer>.fromOpaque(context!).takeUnretainedValue().fire()
        }, Unmanaged.passUnretained(self).toOpaque())
        var tv = timeval(seconds: seconds)
        event_add(event, &tv)
    }

    deinit {
        if let event { event_free(event) }
    }

    public func cancel() {
        action = nil
        if let event { event_del(event) }
    }

    private func fire() {
        guard let action else { return }
        self.action = nil
        // Keep self alive while the action runs even if the action drops the owner's reference.
        withExtendedLifetime(self) { action() }
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }
}
