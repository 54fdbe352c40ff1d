// The stores with the instance's cache in front: the protected route's and refresh's reads are
// answered from memory when they can be; every write goes through and forgets what it changed
// before its caller answers (this instance's next read sees it at once; the others hear of it from
// PostgreSQL).

/// One loop's count of reads the cache answered and reads that went to the database.
struct CacheCounts: Sendable, Equatable {
    var hits = 0
    var misses = 0

    mutating func add(_ other: CacheCounts) {
        hits += other.hits
        misses += other.misses
    }
}

/// Loop-confined, as the stores behind it.
final class CachingStore: UserStore, RevocationStore {
    let users: any UserStore
    let revocations: any RevocationStore
    let cache: StoreCache
    private(set) var counts = CacheCounts()

    init(users: any UserStore, revocations: any RevocationStore, cache: StoreCache) {
        self.users = users
        self.revocations = revocations
        self.cache = cache
    }

    // MARK: UserStore

    func user(id: UserID, blacklistedJTI: String?, then: @escaping (Result<User?, StoreError>) -> Void) {
        if let user = cache.user(id.text, blacklistedJTI: blacklistedJTI) {
            counts.hits += 1
            return then(.success(user))
        }
        counts.misses += 1
        let ticket = cache.ticket([.user(id.text)] + (blacklistedJTI.map { [.token($0)] } ?? []))
        users.user(id: id, blacklistedJTI: blacklistedJTI) { [cache] result in
            // Kept only under the id as PostgreSQL prints it, which is how changes are announced.
            if let ticket, case .success(let user?) = result, user.id.text == id.text {
                var kept = user
                kept.tokenBlacklisted = false
                var entries: [(CacheKey, CacheValue)] = [(.user(id.text), .user(kept))]
                if let blacklistedJTI { entries.append((.token(blacklistedJTI), .token(revoked: user.tokenBlacklisted))) }
                cache.fill(ticket, entries)
            }
            then(result)
        }
    }

    func account(username: String, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        users.account(username: username, then: then)
    }

    func credentials(id: UserID, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        users.credentials(id: id, then: then)
    }

    func recordLogin(userID: UserID) {
        users.recordLogin(userID: userID)
    }

    func upgradePasswordHash(userID: UserID, from previousHash: String, to newHash: String, then: @escaping (Result<Void, StoreError>) -> Void) {
        users.upgradePasswordHash(userID: userID, from: previousHash, to: newHash) { [cache] result in
            cache.invalidate(.user(userID.text))
            then(result)
        }
    }

    func changePassword(_ change: PasswordChange, then: @escaping (Result<Bool, StoreError>) -> Void) {
        users.changePassword(change) { [cache] result in
            // Every refresh token of the user is blacklisted: which ones, only PostgreSQL knows.
            cache.invalidate(.user(change.userID.text))
            cache.flushTokens()
            then(result)
        }
    }

    func revokeAllTokens(userID: UserID, notBefore: Int64, then: @escaping (Result<Void, StoreError>) -> Void) {
        users.revokeAllTokens(userID: userID, notBefore: notBefore) { [cache] result in
            cache.invalidate(.user(userID.text))
            then(result)
        }
    }

    // MARK: RevocationStore

    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void) {
        if let revoked = cache.tokenRevoked(jti) {
            counts.hits += 1
            return then(.success(revoked))
        }
        counts.misses += 1
        let ticket = cache.ticket([.token(jti)])
        revocations.isRevoked(jti: jti) { [cache] result in
            if let ticket, case .success(let revoked) = result { cache.fill(ticket, [(.token(jti), .token(revoked: revoked))]) }
            then(result)
        }
    }

    /// With an owner, what the protected route reads of them answers it (the same query, when
    /// it misses); without one, the token's blacklisting alone.
    func refreshStatus(jti: String, ownerID: UserID?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        guard let ownerID else {
            return isRevoked(jti: jti) { result in
                then(result.map { RefreshStatus(ownerActive: nil, revokedBefore: $0, revokedNow: false) })
            }
        }
        user(id: ownerID, blacklistedJTI: jti) { [revocations] result in
            switch result {
            case .success(let owner?):
                then(
                    .success(
                        RefreshStatus(
                            ownerActive: owner.isActive, revokedBefore: owner.tokenBlacklisted, revokedNow: false,
                            ownerTokensNotBefore: owner.tokensNotBefore)))
            case .success(nil):
                // No such user: the blacklisting still decides which refusal it is.
                revocations.refreshStatus(jti: jti, ownerID: ownerID, then: then)
            case .failure(let error):
                then(.failure(error))
            }
        }
    }

    func revoke(_ token: TokenRecord, then: @escaping (Result<Bool, StoreError>) -> Void) {
        revocations.revoke(token) { [cache] result in
            cache.invalidate(.token(token.jti))
            then(result)
        }
    }

    func rotate(_ rotation: Rotation, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        revocations.rotate(rotation) { [cache] result in
            cache.invalidate(.token(rotation.token.jti))
            if case .success(let status) = result, status.reused { cache.flushTokens() }
            then(result)
        }
    }

    func endSession(_ session: String, of userID: UserID, then: @escaping (Result<Bool, StoreError>) -> Void) {
        revocations.endSession(session, of: userID) { [cache] result in
            cache.flushTokens()
            then(result)
        }
    }

    func recordIssued(
        _ token: TokenRecord, parent: String?, origin: SessionOrigin?, at issuedAt: Double, then: @escaping (Result<Void, StoreError>) -> Void
    ) {
        revocations.recordIssued(token, parent: parent, origin: origin, at: issuedAt, then: then)
    }

    func sessions(of userID: UserID, then: @escaping (Result<[Session], StoreError>) -> Void) {
        revocations.sessions(of: userID, then: then)
    }
}
