// What the pool tests do on their LoopThread (Tests/LoopTestSupport): collect a pool's log, prove
// the loop keeps turning, poll for a condition, act after a delay.

import EventLoop
@testable import Postgres  // monotonicSeconds, the pool's own clock

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
