// A test's EventLoop on a thread of its own, for the suites that drive loops (EventLoopTests,
// PostgresTests): set up on the loop, posted to from the test, stopped and joined at the end.
public import EventLoop

/// A running event loop for one test. Loop-confined objects (servers, pools, timers) are made
/// on the loop, in `setUp` or in `perform` bodies, and carried between steps in `LoopBound`s.
public final class LoopThread: Sendable {
    /// Where the test posts work for the loop.
    public let inbox: LoopInbox
    private let loop: LoopBound<EventLoop>
    private let thread: ThreadHandle

    /// Starts the loop and blocks until `setUp` has run on it; what `setUp` returns (a server,
    /// say) lives until the loop ends. For synchronous tests.
    public convenience init(_ setUp: @escaping @Sendable (EventLoop) -> (any AnyObject)? = { _ in nil }) {
        let ready = Semaphore()
        let started = Lock<Parts?>(nil)
        let thread = Self.spawn(setUp) { parts in
            started.withLock { $0 = parts }
            ready.signal()
        }
        ready.wait()
        self.init(started.withLock { $0! }, thread)
    }

    /// Starts the loop without blocking the caller's thread, one of the few Swift concurrency has.
    public static func start() async -> LoopThread {
        let started = Promise<Parts>()
        let thread = spawn({ _ in nil }) { started.fulfill($0) }
        return LoopThread(await started.value, thread)
    }

    private init(_ parts: Parts, _ thread: ThreadHandle) {
        (inbox, loop) = (parts.inbox, parts.loop)
        self.thread = thread
    }

    private struct Parts: Sendable {
        let inbox: LoopInbox
        let loop: LoopBound<EventLoop>
    }

    /// The loop thread: `started` is called once `setUp` has run, before the loop turns.
    private static func spawn(
        _ setUp: @escaping @Sendable (EventLoop) -> (any AnyObject)?, started: @escaping @Sendable (Parts) -> Void
    ) -> ThreadHandle {
        spawnThread(name: "test-loop") {
            let loop = EventLoop()
            let kept = setUp(loop)
            started(Parts(inbox: loop.inbox, loop: LoopBound(loop, on: loop)))
            loop.run()  // returns only after stop(), even with nothing pending
            withExtendedLifetime(kept) {}
        }
    }

    /// Runs `body` on the loop and blocks until it returns. For synchronous tests.
    public func performAndWait(_ body: @escaping @Sendable (EventLoop) -> Void) {
        let finished = Semaphore()
        let loop = self.loop
        inbox.post {
            body(loop.value)
            finished.signal()
        }
        finished.wait()
    }

    /// Runs `body` on the loop; it calls `finish` once, on the loop, with the step's result.
    /// Returns nil if `finish` was not called within `timeout` seconds (a hang).
    public func perform<T: Sendable>(
        timeout: Double = 20, _ body: @escaping @Sendable (EventLoop, _ finish: @escaping (T) -> Void) -> Void
    ) async -> T? {
        let loop = self.loop
        return await withCheckedContinuation { continuation in
            inbox.post {
                let loop = loop.value
                var done = false
                var guardTimer: LoopTimer?
                let finish: (T?) -> Void = { value in
                    guard !done else { return }
                    done = true
                    guardTimer?.cancel()
                    guardTimer = nil
                    continuation.resume(returning: value)
                }
                guardTimer = LoopTimer(loop: loop, after: timeout) { finish(nil) }
                body(loop) { finish($0) }
            }
        }
    }

    /// Stops the loop (from its own thread) and waits for the thread to end; whatever ran on
    /// the loop must have been closed by then.
    public func stop() {
        let loop = self.loop
        inbox.post { loop.value.stop() }
        thread.join()
    }
}
