// The bytes of request bodies held in memory across loops, and giving freed memory back.
internal import CLinux

/// The bytes of request bodies held in memory, across loops. A body is reserved at twice its
/// declared size (libevent's buffer rounding) when its head is complete, before any of it is
/// read, and released when its answer is sent or its connection closes.
public final class BodyBudget: Sendable {
    public let limit: Int
    private let state = Lock<(reserved: Int, releasedSinceTrim: Int, trimmedAt: Double)>((0, 0, -1))

    public init(limit: Int) {
        self.limit = limit
    }

    /// Bytes reserved now.
    public var reserved: Int { state.withLock { $0.reserved } }

    /// Reserves `bytes`; false (reserving nothing) when that would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard state.reserved + bytes <= limit else { return false }
            state.reserved += bytes
            return true
        }
    }

    /// Releases `bytes`.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { state in
            state.reserved -= bytes
            state.releasedSinceTrim += bytes
        }
    }

    /// Whether enough body memory was freed since the last trim to ask glibc to return it (it
    /// keeps freed heap otherwise, so RSS would stay at an attack's peak long after it ended);
    /// true once per 1 MiB released, at most once a second across loops.
    func takeTrim() -> Bool {
        let now = monotonicSeconds()
        return state.withLock { state in
            guard state.releasedSinceTrim >= 1 << 20, now - state.trimmedAt >= 1 else { return false }
            state.releasedSinceTrim = 0
            state.trimmedAt = now
            return true
        }
    }
}

/// Returns free heap memory to the system.
public func releaseFreeMemory() {
    _ = authd_release_free_memory()
}

/// Large allocations (request bodies) are mapped and unmapped on their own, so freeing them
/// always returns the memory. Call once at start.
public func configureMemoryReturn() {
    authd_set_mmap_threshold(256 * 1024)
}
