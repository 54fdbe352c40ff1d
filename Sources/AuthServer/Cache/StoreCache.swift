// What the database answered about users and refresh tokens, kept per instance and shared by its
// loops, and forgotten the moment PostgreSQL says it changed.
import EventLoop

/// What the cache holds, by key: a user by id (USER_ID_FIELD's text, as PostgreSQL prints it), a
/// refresh token's blacklisting by jti.
enum CacheKey: Hashable {
    case user(String)
    case token(String)
}

enum CacheValue {
    /// As the protected route reads it (`tokenBlacklisted` is kept per token, not here).
    case user(User)
    case token(revoked: Bool)
}

/// The bytes an entry is counted for against AUTHD_CACHE_BUDGET: its strings plus the fixed
/// part (the slot, the index's bucket, string headers). bench/run run 10 checks the estimate
/// against the resident memory 100,000 entries add (259 bytes each on average when measured,
/// against 231 counted with bases of 240 and 160: hence these, about 10% above it).
enum CacheEntryCost {
    static let userBase = 288
    static let tokenBase = 208

    static func of(_ key: CacheKey, _ value: CacheValue) -> Int {
        let keyBytes =
            switch key {
            case .user(let id): id.utf8.count
            case .token(let jti): jti.utf8.count
            }
        switch value {
        case .user(let user):
            return userBase + keyBytes + user.id.text.utf8.count + user.username.utf8.count + (user.passwordMD5?.utf8.count ?? 0)
        case .token:
            return tokenBase + keyBytes
        }
    }
}

/// The cache's figures for /metrics.
struct CacheFigures: Sendable, Equatable {
    var entries = 0
    var bytes = 0
    var budget = 0
    var trusted = false
    /// Entries dropped because PostgreSQL said they changed (or were evicted by a flush).
    var invalidations = 0
    /// Times the listening connection was (re)established and the cache started over.
    var resyncs = 0
}

/// The per-instance cache. Every answer it gives was read from PostgreSQL after the last change
/// to it that PostgreSQL has told this instance about; it gives none while the listening
/// connection is not known to be alive (`trust(until:)`), so a change is never missed for longer
/// than the lease the listener renews.
///
/// A read that misses takes a `Ticket` before it asks the database and fills with it after: an
/// invalidation in between (of the same stripe of keys, or a flush) voids the ticket, so an
/// answer read before a change can never be stored after the change's notification.
final class StoreCache: Sendable {
    struct Ticket {
        fileprivate let generation: UInt64
        fileprivate let stamps: [(stripe: Int, stamp: UInt32)]
    }

    private static let stripeCount = 4096

    private struct State {
        var entries: ClockCache<CacheKey, CacheValue>
        /// Moved by every flush: voids every ticket taken before.
        var generation: UInt64 = 0
        /// Moved by every invalidation of a key of the stripe.
        var stripes = [UInt32](repeating: 0, count: StoreCache.stripeCount)
        /// Monotonic seconds until which the cache may answer.
        var trustedUntil = -Double.infinity
        var figures = CacheFigures()

        mutating func invalidate(_ key: CacheKey) {
            stripes[StoreCache.stripe(key)] &+= 1
            let before = entries.count
            entries.remove(key)
            figures.invalidations += before - entries.count
        }

        mutating func flush(_ matches: ((CacheKey) -> Bool)? = nil) {
            generation &+= 1
            let before = entries.count
            if let matches { entries.removeAll(where: matches) } else { entries.removeAll() }
            figures.invalidations += before - entries.count
        }
    }

    private let state: Lock<State>
    /// Monotonic seconds (a parameter so that tests can move time).
    private let now: @Sendable () -> Double

    init(budget: Int, now: @escaping @Sendable () -> Double = monotonicSeconds) {
        state = Lock(State(entries: ClockCache(budget: budget)))
        self.now = now
    }

    // MARK: Reads

    /// The user read earlier, with `jti`'s blacklisting when asked; nil when either is not
    /// cached, or the cache is not trusted now.
    func user(_ id: String, blacklistedJTI jti: String?) -> User? {
        let time = now()
        return state.withLock { state in
            guard time < state.trustedUntil, case .user(var user)? = state.entries.value(.user(id)) else { return nil }
            if let jti {
                guard case .token(let revoked)? = state.entries.value(.token(jti)) else { return nil }
                user.tokenBlacklisted = revoked
            }
            return user
        }
    }

    /// Whether the refresh token `jti` is blacklisted, if known and trusted now.
    func tokenRevoked(_ jti: String) -> Bool? {
        let time = now()
        return state.withLock { state in
            guard time < state.trustedUntil, case .token(let revoked)? = state.entries.value(.token(jti)) else { return nil }
            return revoked
        }
    }

    /// Taken before a read of `keys` from the database; nil while the cache is not trusted (the
    /// answer is not kept).
    func ticket(_ keys: [CacheKey]) -> Ticket? {
        let time = now()
        return state.withLock { state in
            guard time < state.trustedUntil else { return nil }
            return Ticket(generation: state.generation, stamps: keys.map { key in (Self.stripe(key), state.stripes[Self.stripe(key)]) })
        }
    }

    /// Keeps what a read answered, unless something the read was about changed since its ticket.
    func fill(_ ticket: Ticket, _ entries: [(CacheKey, CacheValue)]) {
        state.withLock { state in
            guard ticket.generation == state.generation, ticket.stamps.allSatisfy({ state.stripes[$0.stripe] == $0.stamp }) else { return }
            for (key, value) in entries { state.entries.set(key, value, cost: CacheEntryCost.of(key, value)) }
        }
    }

    // MARK: Changes

    func invalidate(_ key: CacheKey) {
        state.withLock { $0.invalidate(key) }
    }

    func flushTokens() {
        state.withLock { state in state.flush { if case .token = $0 { true } else { false } } }
    }

    /// One notification of channel `authd_cache` (sql/0007_change_notifications.sql).
    func apply(_ payload: String) {
        if payload.hasPrefix("u:") {
            invalidate(.user(String(payload.dropFirst(2))))
        } else if payload.hasPrefix("r:") {
            invalidate(.token(String(payload.dropFirst(2))))
        } else if payload == "flush:tokens" {
            flushTokens()
        } else {
            // flush:users, or anything this version does not know: forget everything.
            state.withLock { $0.flush() }
        }
    }

    // MARK: Trust

    /// The listener confirmed at `time` (monotonic seconds) that every change committed before
    /// then has been applied: answers may be given until `time` plus the lease.
    func trust(until time: Double) {
        state.withLock { $0.trustedUntil = max($0.trustedUntil, time) }
    }

    /// The listening connection is lost (or not yet made): no answers from the cache, and what
    /// it held is forgotten, since changes may go unheard until it is back.
    func distrust() {
        state.withLock { state in
            state.trustedUntil = -.infinity
            state.flush()
        }
    }

    /// The listening connection is (back) up: start over.
    func resynchronized() {
        state.withLock { state in
            state.flush()
            state.figures.resyncs += 1
        }
    }

    var figures: CacheFigures {
        let time = now()
        return state.withLock { state in
            var figures = state.figures
            figures.entries = state.entries.count
            figures.bytes = state.entries.cost
            figures.budget = state.entries.budget
            figures.trusted = time < state.trustedUntil
            return figures
        }
    }

    private static func stripe(_ key: CacheKey) -> Int {
        key.hashValue & (stripeCount - 1)
    }
}
