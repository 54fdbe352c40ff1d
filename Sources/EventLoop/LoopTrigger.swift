// Work to run once later in the current loop iteration, however many times it was asked for.
import Glibc
internal import CLibevent

/// A deferred action on a loop: `fire()` makes it run after the callbacks the loop is already
/// running (libevent queues a manually activated event behind the active ones), at most once
/// per firing however often `fire()` is called meanwhile. Used to batch work that many
/// callbacks of one iteration produce: redis's "beforesleep" hook, which libevent 2.1 lacks.
public final class LoopTrigger {
    private var event: OpaquePointer?
    private let action: () -> Void
    private var scheduled = false

    public init(loop: EventLoop, _ action: @escaping () -> Void) {
        self.action = action
        event = event_new(loop.base, -1, 0, { _, _, context in
            Unmanaged<LoopTrigger>.fromOpaque(context!).takeUnretainedValue().run()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        if let event { event_free(event) }
    }

    /// Runs the action soon, on this loop's thread. Call only on the loop's thread.
    public func fire() {
        guard !scheduled, let event else { return }
        scheduled = true
        event_active(event, EV_TIMEOUT, 0)
    }

    private func run() {
        scheduled = false
        withExtendedLifetime(self) { action() }
    }
}
