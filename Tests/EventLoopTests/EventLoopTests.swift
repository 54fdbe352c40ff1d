// The loop's inbox, timers and worker pool.
import Glibc
import EventLoop
import LoopTestSupport
import Testing

@Suite("Event loop")
struct EventLoopTests {
    @Test("work posted from another thread runs on the loop thread, in order")
    func inbox() {
        let seen = Lock<[Int]>([])
        let allOnLoop = Lock(true)
        let done = Semaphore()
        let loopThread = Lock<pthread_t?>(nil)
        let running = LoopThread { _ in
            loopThread.withLock { $0 = pthread_self() }
            return nil
        }
        for index in 0..<100 {
            running.inbox.post {
                if pthread_equal(pthread_self(), loopThread.withLock { $0! }) == 0 { allOnLoop.withLock { $0 = false } }
                seen.withLock { $0.append(index) }
                if index == 99 { done.signal() }
            }
        }
        done.wait()
        #expect(seen.withLock { $0 } == Array(0..<100))
        #expect(allOnLoop.withLock { $0 })
        running.stop()
    }

    /// Keeps timers alive on the loop until the last one fires.
    final class Timers {
        var all: [LoopTimer] = []
    }

    @Test("a timer fires once after its delay; a cancelled or dropped one never does")
    func timers() {
        let fired = Lock<[String]>([])
        let done = Semaphore()
        let running = LoopThread { loop in
            let start = loop.now
            let holder = Timers()
            let kept = LoopTimer(loop: loop, after: 0.05) { fired.withLock { $0.append("kept after \(loop.now - start >= 0.049)") } }
            let cancelled = LoopTimer(loop: loop, after: 0.02) { fired.withLock { $0.append("cancelled") } }
            cancelled.cancel()
            _ = LoopTimer(loop: loop, after: 0.02) { fired.withLock { $0.append("dropped") } }
            let finish = LoopTimer(loop: loop, after: 0.15) {
                holder.all.removeAll()
                done.signal()
            }
            holder.all = [kept, cancelled, finish]
            return nil
        }
        done.wait()
        #expect(fired.withLock { $0 } == ["kept after true"])
        running.stop()
    }

    @Test("a trigger fired many times runs once, after the callbacks already running")
    func trigger() {
        let log = Lock<[String]>([])
        let running = LoopThread()
        running.performAndWait { loop in
            let trigger = LoopTrigger(loop: loop) { log.withLock { $0.append("trigger") } }
            for _ in 0..<5 { trigger.fire() }
            log.withLock { $0.append("callback") }
            // Kept alive until it has run: the next posted job runs after it.
            let kept = LoopBound(trigger, on: loop)
            loop.inbox.post { withExtendedLifetime(kept.value) { log.withLock { $0.append("later") } } }
        }
        let done = Semaphore()
        running.inbox.post { done.signal() }
        done.wait()
        #expect(log.withLock { $0 } == ["callback", "trigger", "later"])
        running.stop()
    }

    @Test("the worker pool computes off the loop, completes on it, and refuses at once when full")
    func workers() {
        let pool = WorkerPool(threads: 2, queueLimit: 3)
        let started = Semaphore(), gate = Semaphore(), done = Semaphore()
        let results = Lock<[Int]>([])
        let accepted = Lock<[Bool]>([])
        let completionsOnLoop = Lock(true)
        let running = LoopThread()
        func submit(_ values: Range<Int>, blocking: Bool) {
            running.performAndWait { loop in
                for value in values {
                    let ok = pool.submit(from: loop, { () -> Int in
                        if blocking {
                            started.signal()
                            gate.wait()
                        }
                        return value
                    }) { result in
                        if !loop.inLoop { completionsOnLoop.withLock { $0 = false } }
                        results.withLock { $0.append(result) }
                        done.signal()
                    }
                    accepted.withLock { $0.append(ok) }
                }
            }
        }
        submit(0..<2, blocking: true)
        started.wait()
        started.wait()  // both workers are now busy
        submit(2..<6, blocking: false)  // three fit in the queue, the fourth does not
        #expect(accepted.withLock { $0 } == [true, true, true, true, true, false])
        #expect(pool.queueDepth == 3)
        gate.signal()
        gate.signal()
        for _ in 0..<5 { done.wait() }
        #expect(results.withLock { $0 }.sorted() == [0, 1, 2, 3, 4])
        #expect(completionsOnLoop.withLock { $0 })
        pool.stop()
        running.stop()
    }

    @Test("a finished job lets go of what its completion captured (a request and its body)")
    func workersReleaseFinishedJobs() {
        let pool = WorkerPool(threads: 1, queueLimit: 8)
        let running = LoopThread()
        let done = Semaphore()
        let watcher = Lock<WeakPayload?>(nil)
        running.performAndWait { loop in
            let payload = Payload()
            watcher.withLock { $0 = WeakPayload(payload) }
            _ = pool.submit(from: loop, { 1 }) { _ in
                withExtendedLifetime(payload) {}
                done.signal()
            }
        }
        done.wait()
        // The completion has run; nothing may hold the payload once the worker is back waiting
        // (allowed a moment to get there). The queue used to keep finished jobs until it
        // compacted, every 64 jobs.
        var released = false
        for _ in 0..<100 where !released {
            running.performAndWait { _ in }
            released = watcher.withLock { $0?.value } == nil
            if !released { usleep(10_000) }
        }
        #expect(released)
        pool.stop()
        running.stop()
    }
}

private final class Payload: Sendable {}

private final class WeakPayload: @unchecked Sendable {
    weak var value: Payload?
    init(_ value: Payload) { self.value = value }
}
