// The per-instance cache: its budget and eviction, its trust, the rule that keeps a raced read
// out, the notifications it applies, and the stores in front of the database.
@testable import AuthServer
import EventLoop
import Testing

/// Monotonic time that a test moves by hand.
final class TestClock: Sendable {
    private let time = Lock(1000.0)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    var read: @Sendable () -> Double { { [self] in now } }
}

@Suite("Cache")
struct CacheTests {
    let clock = TestClock()
    let alice = UserID(text: "1", isInteger: true)

    /// A cache trusted for the next second.
    func trustedCache(budget: Int = 1 << 20) -> StoreCache {
        let cache = StoreCache(budget: budget, now: clock.read)
        cache.trust(until: clock.now + 1)
        return cache
    }

    func user(_ id: UserID = UserID(text: "1", isInteger: true), isActive: Bool = true) -> User {
        User(id: id, username: "user\(id.text)", isActive: isActive)
    }

    // MARK: The budget

    @Test("what the cache holds never costs more than its budget; an entry larger than the whole budget is not kept")
    func budget() {
        var entries = ClockCache<Int, String>(budget: 100)
        for key in 0..<50 {
            entries.set(key, "v", cost: 7 + key % 5)
            #expect(entries.cost <= 100)
        }
        #expect(entries.count < 50 && entries.count >= 100 / 11)
        entries.set(99, "huge", cost: 101)
        #expect(entries.value(99) == nil && entries.cost <= 100)
        entries.set(7, "replaced", cost: 10)
        entries.set(7, "again", cost: 20)
        #expect(entries.value(7) == "again")
    }

    @Test("eviction takes entries not read since the hand last passed, and spares those read")
    func secondChance() {
        var entries = ClockCache<String, Int>(budget: 3)
        for (index, key) in ["a", "b", "c"].enumerated() { entries.set(key, index, cost: 1) }
        #expect(entries.value("a") == 0)
        entries.set("d", 3, cost: 1)
        #expect(entries.value("a") == 0 && entries.value("b") == nil && entries.value("c") == 2 && entries.value("d") == 3)
        entries.removeAll { $0 == "c" }
        #expect(entries.count == 2 && entries.cost == 2)
    }

    @Test("the budget counts each entry's strings: AUTHD_CACHE_BUDGET bounds the bytes, not the number of entries")
    func costs() {
        let cache = trustedCache(budget: 10 * CacheEntryCost.tokenBase)
        for index in 0..<100 {
            let ticket = cache.ticket([.token("jti-\(index)")])!
            cache.fill(ticket, [(.token("jti-\(index)"), .token(revoked: false))])
        }
        let figures = cache.figures
        #expect(figures.bytes <= figures.budget && figures.entries >= 5 && figures.entries < 10)
        let long = String(repeating: "x", count: 1000)
        #expect(CacheEntryCost.of(.user("1"), .user(User(id: alice, username: long, isActive: true))) > 1000)
    }

    // MARK: Trust

    @Test("nothing is answered before the listener's first lease, nor after the lease runs out")
    func trust() {
        let cache = StoreCache(budget: 1 << 20, now: clock.read)
        #expect(cache.ticket([.user("1")]) == nil)
        cache.trust(until: clock.now + 1)
        cache.fill(cache.ticket([.user("1")])!, [(.user("1"), .user(user()))])
        #expect(cache.user("1", blacklistedJTI: nil) == user())
        clock.advance(1.01)
        #expect(cache.user("1", blacklistedJTI: nil) == nil && cache.ticket([.user("1")]) == nil && !cache.figures.trusted)
        cache.trust(until: clock.now + 1)
        #expect(cache.user("1", blacklistedJTI: nil) == user(), "a late ping only pauses the cache: no change was missed")
    }

    @Test("a lost listening connection forgets everything; the next connection starts over")
    func distrust() {
        let cache = trustedCache()
        cache.fill(cache.ticket([.user("1")])!, [(.user("1"), .user(user()))])
        let inFlight = cache.ticket([.user("2")])!
        cache.distrust()
        #expect(cache.user("1", blacklistedJTI: nil) == nil && cache.figures.entries == 0)
        cache.resynchronized()
        cache.trust(until: clock.now + 1)
        cache.fill(inFlight, [(.user("2"), .user(user(UserID(text: "2", isInteger: true))))])
        #expect(cache.user("2", blacklistedJTI: nil) == nil, "a read begun before the loss is not kept")
        #expect(cache.figures.resyncs == 1)
    }

    // MARK: Races

    @Test("a read that began before a change was announced is not kept, whichever arrives first")
    func racedRead() {
        let cache = trustedCache()
        // The change is announced while the read is in flight: its answer may predate it.
        let ticket = cache.ticket([.user("1")])!
        cache.apply("u:1")
        cache.fill(ticket, [(.user("1"), .user(user()))])
        #expect(cache.user("1", blacklistedJTI: nil) == nil)
        // The answer is kept first: the announcement then removes it.
        cache.fill(cache.ticket([.user("1")])!, [(.user("1"), .user(user()))])
        cache.apply("u:1")
        #expect(cache.user("1", blacklistedJTI: nil) == nil)
        // A change of some other user does not void the read.
        let other = cache.ticket([.user("1")])!
        cache.apply("u:some-other-id")
        cache.fill(other, [(.user("1"), .user(user()))])
        #expect(cache.user("1", blacklistedJTI: nil) == user())
    }

    @Test("notifications: u: forgets a user, r: a token, flush:tokens every token, flush:users (or anything unknown) everything")
    func notifications() {
        let cache = trustedCache()
        func fillAll() {
            cache.fill(
                cache.ticket([.user("1"), .token("a"), .token("b")])!,
                [(.user("1"), .user(user())), (.token("a"), .token(revoked: false)), (.token("b"), .token(revoked: true))])
        }
        fillAll()
        #expect(cache.user("1", blacklistedJTI: "b")?.tokenBlacklisted == true)
        cache.apply("r:a")
        #expect(cache.tokenRevoked("a") == nil && cache.tokenRevoked("b") == true && cache.user("1", blacklistedJTI: nil) != nil)
        cache.apply("flush:tokens")
        #expect(cache.tokenRevoked("b") == nil && cache.user("1", blacklistedJTI: nil) != nil)
        #expect(cache.user("1", blacklistedJTI: "b") == nil, "a user is answered with a token only when both are known")
        fillAll()
        cache.apply("flush:users")
        #expect(cache.figures.entries == 0)
        fillAll()
        cache.apply("something:new")
        #expect(cache.figures.entries == 0)
        #expect(cache.figures.invalidations == 1 + 1 + 3 + 3)
    }

    // MARK: The stores in front of the database

    func caching(_ store: InMemoryStore, _ cache: StoreCache) -> CachingStore {
        CachingStore(users: store, revocations: store, cache: cache)
    }

    func storeWithAlice() -> InMemoryStore {
        let store = InMemoryStore()
        store.add(id: 1, username: "alice", passwordHash: "x")
        return store
    }

    /// What `read` answers, when it answers at once.
    func answer<T>(_ read: (@escaping (Result<T, StoreError>) -> Void) -> Void) -> T? {
        var value: T?
        read { value = try? $0.get() }
        return value
    }

    @Test("a user read again is answered from memory: the database is asked once")
    func hits() {
        let store = storeWithAlice()
        let caching = caching(store, trustedCache())
        for _ in 0..<5 { #expect(answer { caching.user(id: alice, blacklistedJTI: nil, then: $0) }??.username == "alice") }
        #expect(store.userReads == 1 && caching.counts == CacheCounts(hits: 4, misses: 1))
    }

    @Test("untrusted, every read goes to the database and nothing is kept")
    func untrusted() {
        let store = storeWithAlice()
        let caching = caching(store, StoreCache(budget: 1 << 20, now: clock.read))
        for _ in 0..<3 { _ = answer { caching.user(id: alice, blacklistedJTI: nil, then: $0) } }
        #expect(store.userReads == 3 && caching.cache.figures.entries == 0)
    }

    @Test("a read in flight when this instance writes is not kept")
    func writeDuringRead() {
        let store = storeWithAlice()
        let caching = caching(store, trustedCache())
        store.parkedAnswers = []
        caching.user(id: alice, blacklistedJTI: nil) { _ in }
        let parked = store.parkedAnswers ?? []
        store.parkedAnswers = nil
        _ = answer { caching.revokeAllTokens(userID: alice, notBefore: 2000, then: $0) }
        // The parked read saw the row as it was before the write, as a read the database ran
        // first would have.
        store.tokensNotBefore[alice] = nil
        for answer in parked { answer() }
        store.tokensNotBefore[alice] = 2000
        #expect(answer { caching.user(id: alice, blacklistedJTI: nil, then: $0) }??.tokensNotBefore == 2000)
        #expect(store.userReads == 2)
    }

    @Test("this instance's own writes are seen by its next read: logout everywhere, blacklisting, rotation, password change")
    func ownWrites() throws {
        let store = storeWithAlice()
        let caching = caching(store, trustedCache())
        let token = TokenRecord(jti: "j1", userID: alice, token: "t", expiresAt: 3000)
        let status = { answer { caching.refreshStatus(jti: "j1", ownerID: alice, then: $0) }! }
        #expect(status().revokedBefore == false && status().ownerTokensNotBefore == nil)
        _ = answer { caching.revokeAllTokens(userID: alice, notBefore: 2000, then: $0) }
        #expect(status().ownerTokensNotBefore == 2000)
        _ = answer { caching.revoke(token, then: $0) }
        #expect(status().revokedBefore == true)

        let successor = TokenRecord(jti: "j3", userID: alice, token: "t3", expiresAt: 3000)
        let second = TokenRecord(jti: "j2", userID: alice, token: "t2", expiresAt: 3000)
        #expect(answer { caching.refreshStatus(jti: "j2", ownerID: alice, then: $0) }?.revokedBefore == false)
        _ = answer { caching.rotate(Rotation(token: second, successor: successor, reuseInterval: 0), then: $0) }
        #expect(answer { caching.refreshStatus(jti: "j2", ownerID: alice, then: $0) }?.revokedBefore == true)

        #expect(answer { caching.isRevoked(jti: "j3", then: $0) } == false)
        let change = PasswordChange(userID: alice, previousHash: "x", newHash: "y", notBefore: 2500)
        #expect(answer { caching.changePassword(change, then: $0) } == true)
        store.revoked["j3"] = successor  // what the database's statement did to every token of the user
        #expect(answer { caching.isRevoked(jti: "j3", then: $0) } == true)
        #expect(status().ownerTokensNotBefore == 2500)
    }

    @Test("refresh's status, composed from the owner's row and the token's blacklisting, is the database's answer", arguments: [
        (true, false, nil as Int64?), (false, false, nil), (true, true, nil), (true, false, 1500),
    ])
    func refreshStatus(active: Bool, revoked: Bool, cutoff: Int64?) {
        let store = InMemoryStore()
        store.add(id: 1, username: "alice", passwordHash: "x", isActive: active)
        let token = TokenRecord(jti: "j", userID: alice, token: "t", expiresAt: 3000)
        if revoked { store.revoked["j"] = token }
        store.tokensNotBefore[alice] = cutoff
        let caching = caching(store, trustedCache())
        let expected = answer { store.refreshStatus(jti: "j", ownerID: alice, then: $0) }
        for _ in 0..<2 { #expect(answer { caching.refreshStatus(jti: "j", ownerID: alice, then: $0) } == expected) }
        // No owner in the token, and an owner that does not exist.
        let nobody = UserID(text: "9", isInteger: true)
        #expect(answer { caching.refreshStatus(jti: "j", ownerID: nil, then: $0) } == answer { store.refreshStatus(jti: "j", ownerID: nil, then: $0) })
        #expect(answer { caching.refreshStatus(jti: "j", ownerID: nobody, then: $0) } == answer { store.refreshStatus(jti: "j", ownerID: nobody, then: $0) })
        #expect(store.userReads == 2, "the owner's row was read once for two refreshes (and once for the missing owner)")
    }

    @Test("a database failure is passed on and nothing is kept")
    func failures() {
        let store = storeWithAlice()
        store.isDown = true
        let caching = caching(store, trustedCache())
        var result: Result<User?, StoreError>?
        caching.user(id: alice, blacklistedJTI: nil) { result = $0 }
        #expect(result == .failure(.unavailable) && caching.cache.figures.entries == 0)
    }
}
