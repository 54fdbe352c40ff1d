// One libevent event_base driven by one thread: timers, socket watches and a cross-thread inbox.
import Glibc

internal import CLibevent

/// A single-threaded event loop. Everything on the request path (the HTTP server, Postgres
/// connections, timers) belongs to exactly one loop and is touched only from its thread, so none
/// of it needs locks. Other threads reach a loop only through its `inbox`.
///
/// Not Sendable: create it on the thread that will run it.
public final class EventLoop {
    let base: OpaquePointer
    /// Where other threads post work for this loop. The only member safe to use off-loop.
    public let inbox: LoopInbox
    let thread: pthread_t

    /// Must run once per process before any loop exists: it turns on libevent's locking, which
    /// `event_active` from another thread (the inbox) requires.
    public static func configureProcess() {
        _ = processConfigured
    }

    /// Sends libevent's own warnings (a malformed request line, a failed accept) to `handler`
    /// instead of libevent writing them to standard error itself, unescaped, from a loop thread.
    public static func setLogHandler(_ handler: @escaping @Sendable (_ message: String) -> Void) {
        libeventLogHandler.withLock { $0 = handler }
        event_set_log_callback { severity, message in
            // Debug messages are compiled out of Debian's build; keep warnings and errors only.
            guard severity >= EVENT_LOG_WARN, let message else { return }
            let text = String(cString: message)
            libeventLogHandler.withLock { $0 }?(text)
        }
    }

    public init() {
        Self.configureProcess()
        // The epoll changelist defers event_add/event_del to the next epoll_wait and merges
        // them per descriptor: re-arming a Postgres socket (a delete and an add in the same
        // callback) then costs no epoll_ctl at all, where it otherwise costs two per round trip.
        let config = event_config_new()
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        let created = event_base_new_with_config(config)
        event_config_free(config)
        guard let base = created else { fatalError("event_base_new failed: out of memory or no backend") }
        self.base = base
        thread = pthread_self()
        inbox = LoopInbox(base: base)
    }

    deinit {
        inbox.close()
        event_base_free(base)
    }

    /// True on this loop's own thread.
    public var inLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Runs until `stop()`, even while nothing is pending: work can still arrive in the inbox,
    /// whose wake event is activated by hand and never "added".
    public func run() {
        precondition(inLoop, "an EventLoop runs on the thread that created it")
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
    }

    /// Makes `run()` return after the current callbacks.
    public func stop() {
        event_base_loopexit(base, nil)
    }

    /// Seconds since the epoch, now (CLOCK_REALTIME through the vDSO: no system call).
    ///
    /// Not libevent's cached time: each base derives that from the monotonic clock plus an
    /// offset it resynchronises every few seconds, so two loops can disagree by milliseconds,
    /// and a token issued by one loop at second N could look "issued in the future" to another
    /// whose clock still reads N - 0.001.
    public var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Seconds on the monotonic clock (CLOCK_MONOTONIC, through the vDSO), for durations: unlike
    /// `now`, it never jumps when the wall clock is set.
    public var monotonicNow: Double { monotonicSeconds() }
}

private let libeventLogHandler = Lock<(@Sendable (String) -> Void)?>(nil)

private let processConfigured: Void = {
    // A client that disconnects mid-write must not kill the process with SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    guard evthread_use_pthreads() == 0 else { fatalError("evthread_use_pthreads failed") }
    // 2.1.9 fixed the crash on deferred replies ("illegal connection state 7"); authd always
    // replies later than the callback, so older versions are refused outright.
    precondition(event_get_version_number() >= 0x0201_0900, "libevent 2.1.9 or newer is required")
}()

/// Work posted to a loop from other threads, run on the loop's thread in order.
///
/// Producers append under a lock and wake the loop with `event_active` on a pre-made event,
/// but only when the queue was empty: one wake-up per batch, as in SwiftNIO's
/// `_pendingTaskPop` ("this saves us a syscall on hot loops").
public final class LoopInbox: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var closed = false
    }

    private let state = Lock(State())
    // Written once in init, freed in close(); event_active on it is thread-safe with locking on.
    private nonisolated(unsafe) var wakeEvent: OpaquePointer?

    init(base: OpaquePointer) {
        wakeEvent = nil
        let event = event_new(base, -1, Int16(EV_PERSIST), { _, _, context in
            Unmanaged<LoopInbox>.fromOpaque(context!).takeUnretainedValue().drain()
        }, Unmanaged.passUnretained(self).toOpaque())
        wakeEvent = event
    }

    /// Runs `job` on the loop's thread soon. Returns false if the loop has shut down.
    @discardableResult
    public func post(_ job: @escaping @Sendable () -> Void) -> Bool {
        let shouldWake: Bool? = state.withLock { state in
            guard !state.closed else { return nil }
            state.jobs.append(job)
            return state.jobs.count == 1
        }
        guard let shouldWake else { return false }
        if shouldWake { event_active(wakeEvent, EV_READ, 0) }
        return true
    }

    private func drain() {
        let jobs = state.withLock { state in
            let jobs = state.jobs
            state.jobs = []
            return jobs
        }
        for job in jobs { job() }
    }

    func close() {
        state.withLock { $0.closed = true }
        if let wakeEvent { event_free(wakeEvent) }
        wakeEvent = nil
    }
}

/// A loop-confined value carried across threads, readable only back on its loop.
///
/// This is how a worker's result finds its request: the request (not Sendable) travels in a
/// `LoopBound`, and only the loop that owns it may open it (checked at run time).
public struct LoopBound<Value>: @unchecked Sendable {
    private let stored: Value
    private let owner: pthread_t

    public init(_ value: Value, on loop: EventLoop) {
        precondition(loop.inLoop, "LoopBound must be created on its loop")
        stored = value
        owner = loop.thread
    }

    public var value: Value {
        precondition(pthread_equal(pthread_self(), owner) != 0, "LoopBound opened off its loop")
        return stored
    }
}

/// Seconds on the monotonic clock (CLOCK_MONOTONIC, through the vDSO: no system call), for
/// durations and deadlines: it never jumps when the wall clock is set.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
