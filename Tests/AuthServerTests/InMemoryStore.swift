// Users and revocations in memory: the stores' interfaces with nothing behind them, so that the
// handlers can be tested in Swift without PostgreSQL.
@testable import AuthServer
import Postgres

/// One loop's users and revoked tokens. Completions run at once (a real store may also answer
/// before it returns: the pool does when it refuses a query).
final class InMemoryStore: UserStore, RevocationStore, LoginThrottleStore, StoreHealth {
    var accounts: [String: LoginAccount] = [:]
    var usernames: [UserID: String] = [:]
    var issued: [String: TokenRecord] = [:]
    /// jti → the jti of its family's first token; jti → its successor's jti.
    var families: [String: String] = [:]
    var successors: [String: String] = [:]
    var revoked: [String: TokenRecord] = [:]
    var recordedLogins: [UserID] = []
    var tokensNotBefore: [UserID: Int64] = [:]
    /// The id of the user "Gokul" every InMemoryServer has.
    static let userOne = UserID(text: "1", isInteger: true)
    /// While true, every call fails as a database outage does.
    var isDown = false
    /// What every throttle check answers.
    var throttleVerdict = ThrottleVerdict.open
    /// Reads of users by id (the protected route's, and the cache's misses).
    var userReads = 0
    /// Reads of a token's blacklisting alone.
    var tokenReads = 0
    /// While not nil, reads of users by id are answered only when these run (in flight meanwhile).
    var parkedAnswers: [() -> Void]?
    var throttleChecks: [LoginAttempt] = []
    var loginFailures: [LoginAttempt] = []
    var loginSuccesses: [LoginAttempt] = []

    func add(id number: Int64, username: String, passwordHash: String, isActive: Bool = true) {
        let id = UserID(text: String(number), isInteger: true)
        accounts[username] = LoginAccount(id: id, passwordHash: passwordHash, isActive: isActive)
        usernames[id] = username
    }

    private func answer<T>(_ value: @autoclosure () -> T, _ then: (Result<T, StoreError>) -> Void) {
        then(isDown ? .failure(.unavailable) : .success(value()))
    }

    private func owner(_ id: UserID?) -> LoginAccount? {
        id.flatMap { usernames[$0] }.flatMap { accounts[$0] }
    }

    // MARK: UserStore

    func account(username: String, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        answer(accounts[username], then)
    }

    func user(id: UserID, blacklistedJTI: String?, then: @escaping (Result<User?, StoreError>) -> Void) {
        userReads += 1
        let answer = { [self] in
            self.answer(
                owner(id).map {
                    User(
                        id: id, username: usernames[id]!, isActive: $0.isActive, tokensNotBefore: tokensNotBefore[id],
                        tokenBlacklisted: blacklistedJTI.map { revoked[$0] != nil } ?? false)
                }, then)
        }
        if parkedAnswers != nil { parkedAnswers!.append(answer) } else { answer() }
    }

    func upgradePasswordHash(userID: UserID, from previousHash: String, to newHash: String, then: @escaping (Result<Void, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        if let username = usernames[userID], let account = accounts[username], account.passwordHash == previousHash {
            accounts[username] = LoginAccount(id: userID, passwordHash: newHash, isActive: account.isActive)
        }
        then(.success(()))
    }

    func credentials(id: UserID, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        answer(owner(id), then)
    }

    func changePassword(_ change: PasswordChange, then: @escaping (Result<Bool, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        guard let username = usernames[change.userID], let account = accounts[username], account.passwordHash == change.previousHash else {
            return then(.success(false))
        }
        accounts[username] = LoginAccount(id: change.userID, passwordHash: change.newHash, isActive: account.isActive)
        tokensNotBefore[change.userID] = max(tokensNotBefore[change.userID] ?? change.notBefore, change.notBefore)
        then(.success(true))
    }

    func recordLogin(userID: UserID) {
        recordedLogins.append(userID)
    }

    func revokeAllTokens(userID: UserID, notBefore: Int64, then: @escaping (Result<Void, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        tokensNotBefore[userID] = max(tokensNotBefore[userID] ?? notBefore, notBefore)
        then(.success(()))
    }

    // MARK: RevocationStore

    func sessions(of userID: UserID, then: @escaping (Result<[Session], StoreError>) -> Void) {
        let live = Set(families.filter { issued[$0.key]?.userID == userID && revoked[$0.key] == nil }.map(\.value))
        answer(live.sorted().map { Session(id: $0, created: "", lastUsed: "", address: nil, userAgent: nil) }, then)
    }

    func endSession(_ session: String, of userID: UserID, then: @escaping (Result<Bool, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        let members = families.filter { $0.value == session && issued[$0.key]?.userID == userID }.map(\.key)
        for member in members { revoked[member] = issued[member] }
        then(.success(!members.isEmpty))
    }

    func recordIssued(
        _ token: TokenRecord, parent: String?, origin: SessionOrigin?, at issuedAt: Double, then: @escaping (Result<Void, StoreError>) -> Void
    ) {
        guard !isDown else { return then(.failure(.unavailable)) }
        issued[token.jti] = token
        families[token.jti] = parent.flatMap { families[$0] } ?? parent ?? token.jti
        then(.success(()))
    }

    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void) {
        tokenReads += 1
        answer(revoked[jti] != nil, then)
    }

    func revoke(_ token: TokenRecord, then: @escaping (Result<Bool, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        let isNew = revoked[token.jti] == nil
        if isNew { revoked[token.jti] = token }
        then(.success(isNew))
    }

    func refreshStatus(jti: String, ownerID: UserID?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        answer(
            RefreshStatus(
                ownerActive: owner(ownerID)?.isActive, revokedBefore: revoked[jti] != nil, revokedNow: false,
                ownerTokensNotBefore: ownerID.flatMap { tokensNotBefore[$0] }), then)
    }

    /// The rotation of the PostgreSQL store, without its reuse interval: a token rotated before
    /// revokes its family.
    func rotate(_ rotation: Rotation, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        guard !isDown else { return then(.failure(.unavailable)) }
        let token = rotation.token
        let ownerActive = owner(token.userID)?.isActive
        let revokedBefore = revoked[token.jti] != nil
        let revokes = !revokedBefore && (token.userID == nil || ownerActive == true)
        let family = families[token.jti] ?? token.jti
        var reused = false
        if revokes {
            revoked[token.jti] = token
            issued[rotation.successor.jti] = rotation.successor
            families[token.jti] = family
            families[rotation.successor.jti] = family
            successors[token.jti] = rotation.successor.jti
        } else if successors[token.jti] != nil {
            reused = true
            for (member, memberFamily) in families where memberFamily == family {
                revoked[member] = issued[member] ?? token
            }
        }
        then(
            .success(
                RefreshStatus(
                    ownerActive: ownerActive, revokedBefore: revokedBefore, revokedNow: revokes,
                    ownerTokensNotBefore: token.userID.flatMap { tokensNotBefore[$0] }, reused: reused)))
    }

    // MARK: LoginThrottleStore

    func check(_ attempt: LoginAttempt, then: @escaping (Result<ThrottleVerdict, StoreError>) -> Void) {
        throttleChecks.append(attempt)
        answer(throttleVerdict, then)
    }

    func recordFailure(_ attempt: LoginAttempt, then: @escaping () -> Void) {
        loginFailures.append(attempt)
        then()
    }

    func recordSuccess(_ attempt: LoginAttempt) {
        loginSuccesses.append(attempt)
    }

    // MARK: StoreHealth

    var isReady: Bool { !isDown }
    var databaseStats: PostgresPoolStats { PostgresPoolStats() }
}
