// A value guarded by a pthread mutex, for state that threads share.
import Glibc

/// A value only reachable while holding its lock. The standard library's `Mutex` would do, but
/// on Linux it is built on raw futexes that ThreadSanitizer cannot see, so every access it
/// protects is reported as a race; pthread mutexes are intercepted, which lets
/// `scripts/sanitize thread` check the locking that is really there.
public final class Lock<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
