// Test harness: an EventLoop on a thread of its own, driven from async tests without ever
// blocking the loop thread (results come back through continuations).

import EventLoop
@testable import Postgres

/// A running event loop for one test. Loop-confined objects (pools, timers) are created inside
/// `perform` bodies and carried between steps in `LoopBound`s.
final class LoopThread: Sendable {
    private let inbox: LoopInbox
    private let loop: LoopBound<EventLoop>
    private let thread: ThreadHandle

    private init(inbox: LoopInbox, loop: LoopBound<EventLoop>, thread: ThreadHandle) {
        self.inbox = inbox
        self.loop = loop
        self.thread = thread
    }

    static func start() async -> LoopThread {
        let started = Promise<LoopParts>()
        let thread = spawnThread(name: "postgres-test-loop") {
            let loop = EventLoop()
            // A loop with nothing pending returns from run(); this keeps it alive until stop().
            let keepAlive = LoopTimer(loop: loop, after: 1_000_000) {}
            started.fulfill(LoopParts(inbox: loop.inbox, loop: LoopBound(loop, on: loop)))
            loop.run()
            keepAlive.cancel()
        }
        let parts = await started.value
        return LoopThread(inbox: parts.inbox, loop: parts.loop, thread: thread)
    }

    private struct LoopParts: Sendable {
        let inbox: LoopInbox
        let loop: LoopBound<EventLoop>
    }

    /// Runs `body` on the loop; it calls `finish` once, on the loop, with the step's result.
    /// Returns nil if `finish` was not called within `timeout` seconds (a hang).
    func perform<T: Sendable>(
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

    /// Stops the loop and waits for its thread to end; whatever ran on the loop must have been
    /// closed by then.
    func stop() {
        let loop = self.loop
        inbox.post { loop.value.stop() }
        thread.join()
    }
}

/// A value produced later on the loop and awaited by the test.
final class Promise<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = Lock(State())

    func fulfill(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// Log lines collected from a pool, readable from the test.
final class LogSink: Sendable {
    private let lines = Lock<[String]>([])

    var logger: @Sendable (String) -> Void {
        { [self] line in lines.withLock { $0.append(line) } }
    }

    var all: [String] { lines.withLock { $0 } }
}

/// Proves the loop keeps turning: a 10 ms timer whose longest gap between firings is recorded.
/// A blocking call on the loop (a synchronous connect, a blocking PQgetResult) shows up as a gap.
final class Ticker {
    struct Report: Sendable {
        var ticks = 0
        var longestGap = 0.0
    }

    private let loop: EventLoop
    private var timer: LoopTimer?
    private var last: Double
    private(set) var report = Report()

    init(loop: EventLoop) {
        self.loop = loop
        last = monotonic()
        schedule()
    }

    private func schedule() {
        timer = LoopTimer(loop: loop, after: 0.01) { [unowned self] in
            let now = monotonic()
            report.ticks += 1
            report.longestGap = max(report.longestGap, now - last)
            last = now
            schedule()
        }
    }

    func stop() -> Report {
        timer?.cancel()
        timer = nil
        return report
    }
}

/// Calls `then` on the loop once `condition` holds, checking every 10 ms; `false` after `timeout`.
func waitUntil(loop: EventLoop, timeout: Double, _ condition: @escaping () -> Bool, then: @escaping (Bool) -> Void) {
    // Holds the pending timer (a dropped LoopTimer is cancelled); the last one fired, so no cycle remains.
    final class Poller {
        var timer: LoopTimer?
    }
    let poller = Poller()
    let deadline = monotonic() + timeout
    func check() {
        if condition() { return then(true) }
        if monotonic() > deadline { return then(false) }
        poller.timer = LoopTimer(loop: loop, after: 0.01) { check() }
    }
    check()
}

func monotonic() -> Double { monotonicSeconds() }

/// Runs `action` on the loop after `seconds`; the timer keeps itself alive until it fires.
func after(_ seconds: Double, on loop: EventLoop, _ action: @escaping () -> Void) {
    final class Holder {
        var timer: LoopTimer?
    }
    let holder = Holder()
    holder.timer = LoopTimer(loop: loop, after: seconds) {
        holder.timer = nil
        action()
    }
}
