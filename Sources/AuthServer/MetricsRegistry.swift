// Gathering every loop's counters for one scrape of /metrics.
import EventLoop

/// The loops that count, each with a way to copy its counters on its own thread.
final class MetricsRegistry: Sendable {
    private struct Source: Sendable {
        let inbox: LoopInbox
        let collect: LoopBound<() -> MetricsCounts>
    }

    private let sources = Lock<[Source]>([])

    /// Called on `loop`'s thread when it starts serving.
    func register(_ loop: EventLoop, collect: @escaping () -> MetricsCounts) {
        let source = Source(inbox: loop.inbox, collect: LoopBound(collect, on: loop))
        sources.withLock { $0.append(source) }
    }

    /// Asks every loop for its counters (through its inbox: loops never read each other's
    /// memory) and calls `then` on `loop` with their sum. A loop that has already stopped
    /// counts as zero; one that stops before answering leaves the scrape to its deadline.
    func gather(on loop: EventLoop, then: @escaping (MetricsCounts) -> Void) {
        let all = sources.withLock { $0 }
        var total = MetricsCounts()
        var remaining = all.count
        let receive = LoopBound({ (part: MetricsCounts?) in
            if let part { total.add(part) }
            remaining -= 1
            if remaining == 0 { then(total) }
        }, on: loop)
        let replies = loop.inbox
        for source in all {
            let asked = source.inbox.post {
                let part = source.collect.value()
                replies.post { receive.value(part) }
            }
            if !asked { receive.value(nil) }
        }
    }
}
