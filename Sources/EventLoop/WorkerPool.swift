// Threads for CPU-heavy work (password hashing, RSA signing) that must never run on a loop.
import Glibc
internal import CLinux

/// A fixed set of worker threads with a bounded FIFO queue. Results go back to the submitting
/// loop through its inbox, so callers stay single-threaded. When the queue is full, `submit`
/// refuses at once: a login storm gets fast 503s instead of an ever-growing backlog.
public final class WorkerPool: Sendable {
    private struct State {
        /// Taken jobs are set to nil at once: a finished job must not keep its request (and
        /// the request's body) alive until the next compaction.
        var jobs: [(@Sendable () -> Void)?] = []
        var head = 0
        var stopping = false
        var running = 0
    }

    private let state = Lock(State())
    private let available = Semaphore()
    private let handles = Lock<[ThreadHandle]>([])
    public let threadCount: Int
    public let queueLimit: Int

    public init(threads: Int, queueLimit: Int) {
        precondition(threads >= 1 && queueLimit >= 1)
        threadCount = threads
        self.queueLimit = queueLimit
        for index in 0..<threads {
            let handle = spawnThread(name: "authd-worker-\(index)") { [self] in self.work() }
            handles.withLock { $0.append(handle) }
        }
    }

    /// Jobs waiting (not yet started); for metrics and tests.
    public var queueDepth: Int { state.withLock { $0.jobs.count - $0.head } }

    /// Runs `work` on a worker, then `completion` with its result on `loop`'s thread.
    /// Returns false, running nothing, when the queue is full or the pool is stopping.
    public func submit<Result: Sendable>(
        from loop: EventLoop, _ work: @escaping @Sendable () -> Result, completion: @escaping (Result) -> Void
    ) -> Bool {
        let callback = LoopBound(completion, on: loop)
        let inbox = loop.inbox
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping, state.jobs.count - state.head < queueLimit else { return false }
            state.jobs.append {
                let result = work()
                inbox.post { callback.value(result) }
            }
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// Lets the workers finish what is queued, then exit.
    /// Waits for them: a thread's exit also frees its thread-local state (OpenSSL's per-thread
    /// random generator, say), which would otherwise outlive the pool.
    public func stop() {
        state.withLock { $0.stopping = true }
        for _ in 0..<threadCount { available.signal() }
        for thread in handles.withLock({ $0 }) { thread.join() }
    }

    private func work() {
        // Hashing yields to the loops: a login costs 90 ms of CPU, a token check a few
        // microseconds, so under contention the loops' latency wins and logins slow down
        // instead. SCHED_BATCH: a worker never preempts a loop when it wakes; nice 19 leaves it
        // a small share of a contended core, so logins slow down but never starve.
        _ = authd_set_thread_background(19)
        while true {
            available.wait()
            let job: (@Sendable () -> Void)? = state.withLock { state in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.jobs[state.head] = nil
                state.head += 1
                // Compact now and then so the array does not grow without bound.
                if state.head > 64 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            guard let job else {
                if state.withLock({ $0.stopping }) { return }
                continue
            }
            job()
        }
    }
}

/// A counting semaphore over a pthread mutex and condition variable (for threads that may block:
/// workers and the main thread, never a loop).
public final class Semaphore: @unchecked Sendable {
    // @unchecked: the pthread objects are only touched under their own mutex.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var count = 0

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    public func signal() {
        pthread_mutex_lock(mutex)
        count += 1
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    public func wait() {
        pthread_mutex_lock(mutex)
        while count == 0 { pthread_cond_wait(condition, mutex) }
        count -= 1
        pthread_mutex_unlock(mutex)
    }

    /// Waits at most `seconds`; true if it was signalled.
    public func wait(timeout seconds: Double) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + Int(seconds * 1e9)
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == 0 {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return false }
        }
        count -= 1
        return true
    }
}

/// A started thread, which can be waited for.
public struct ThreadHandle: Sendable {
    let thread: pthread_t

    /// Blocks until the thread's body has returned.
    public func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread clean up after itself when it ends, for threads nobody joins.
    public func detach() {
        pthread_detach(thread)
    }
}

/// Starts a thread running `body`. Join or detach the handle: a thread that is neither stays a
/// zombie after it ends.
public func spawnThread(name: String, _ body: @escaping @Sendable () -> Void) -> ThreadHandle {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, _ name: String) {
            self.body = body
            self.name = name
        }
    }
    let box = Unmanaged.passRetained(Box(body, name)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        authd_set_thread_name(box.name)
        box.body()
        return nil
    }, box)
    precondition(result == 0, "pthread_create failed: \(result)")
    return ThreadHandle(thread: thread)
}
