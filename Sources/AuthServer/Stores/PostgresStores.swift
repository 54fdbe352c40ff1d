// The stores as they are kept in PostgreSQL: the Django user table, simplejwt's blacklist
// tables and authd_token_cutoff, through the loop's pool.
import Postgres

/// Users in the user model's table, read through one loop's pool.
final class PostgresUserStore: UserStore {
    let pool: PostgresPool
    let statements: PostgresStatements

    init(pool: PostgresPool, statements: PostgresStatements) {
        self.pool = pool
        self.statements = statements
    }

    func account(username: String, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        pool.run(statements.accountByUsername, username) { then($0.mapError(StoreError.init)) }
    }

    func user(id: UserID, blacklistedJTI: String?, then: @escaping (Result<User?, StoreError>) -> Void) {
        pool.run(statements.userByID, (id, blacklistedJTI)) { then($0.mapError(StoreError.init)) }
    }

    func upgradePasswordHash(userID: UserID, from previousHash: String, to newHash: String, then: @escaping (Result<Void, StoreError>) -> Void) {
        pool.run(statements.upgradePasswordHash, (userID, previousHash, newHash)) { then($0.mapError(StoreError.init)) }
    }

    func recordLogin(userID: UserID) {
        pool.run(statements.recordLogin, userID) { _ in }
    }

    func credentials(id: UserID, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        pool.run(statements.credentialsByID, id) { then($0.mapError(StoreError.init)) }
    }

    func changePassword(_ change: PasswordChange, then: @escaping (Result<Bool, StoreError>) -> Void) {
        pool.run(statements.changePassword, change) { then($0.mapError(StoreError.init)) }
    }

    func revokeAllTokens(userID: UserID, notBefore: Int64, then: @escaping (Result<Void, StoreError>) -> Void) {
        pool.run(statements.revokeAllTokens, (userID, notBefore)) { then($0.mapError(StoreError.init)) }
    }
}

/// Refresh tokens in simplejwt's `token_blacklist_outstandingtoken` and
/// `token_blacklist_blacklistedtoken`, read and written through one loop's pool.
final class PostgresRevocationStore: RevocationStore {
    let pool: PostgresPool
    let statements: PostgresStatements

    init(pool: PostgresPool, statements: PostgresStatements) {
        self.pool = pool
        self.statements = statements
    }

    func recordIssued(_ token: TokenRecord, parent: String?, at issuedAt: Double, then: @escaping (Result<Void, StoreError>) -> Void) {
        pool.run(statements.recordIssued, (token, parent, issuedAt)) { then($0.mapError(StoreError.init)) }
    }

    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void) {
        pool.run(statements.isRevoked, jti) { then($0.mapError(StoreError.init)) }
    }

    func revoke(_ token: TokenRecord, then: @escaping (Result<Bool, StoreError>) -> Void) {
        pool.run(statements.revoke, token) { then($0.mapError(StoreError.init)) }
    }

    func refreshStatus(jti: String, ownerID: UserID?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        pool.run(statements.refreshStatus, (jti, ownerID)) { then($0.mapError(StoreError.init)) }
    }

    func rotate(_ rotation: Rotation, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        pool.run(statements.rotate, rotation) { then($0.mapError(StoreError.init)) }
    }
}

extension StoreError {
    /// Every database failure is a 503 to the client; the pool has already logged and counted it
    /// (`PostgresConfiguration.queryFailed`).
    init(_ error: PostgresError) {
        self = .unavailable
    }
}
