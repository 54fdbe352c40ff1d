// The stores as they are kept in PostgreSQL: Django's auth_user and authd_revoked_token, through
// the loop's pool.
import Postgres

/// Users in `auth_user`, read through one loop's pool.
final class PostgresUserStore: UserStore {
    let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func account(username: String, then: @escaping (Result<LoginAccount?, StoreError>) -> Void) {
        pool.run(PostgresStatements.accountByUsername, username) { then($0.mapError(StoreError.init)) }
    }

    func user(id: Int64, then: @escaping (Result<User?, StoreError>) -> Void) {
        pool.run(PostgresStatements.userByID, id) { then($0.mapError(StoreError.init)) }
    }

    func upgradePasswordHash(userID: Int64, from previousHash: String, to newHash: String) {
        // A failure is logged by the pool; the next login does the same work again.
        pool.run(PostgresStatements.upgradePasswordHash, (userID, previousHash, newHash)) { _ in }
    }

    func recordLogin(userID: Int64) {
        pool.run(PostgresStatements.recordLogin, userID) { _ in }
    }

    func revokeAllTokens(userID: Int64, notBefore: Int64, then: @escaping (Result<Void, StoreError>) -> Void) {
        pool.run(PostgresStatements.revokeAllTokens, (userID, notBefore)) { then($0.mapError(StoreError.init)) }
    }
}

/// Revocations in `authd_revoked_token`, read and written through one loop's pool.
final class PostgresRevocationStore: RevocationStore {
    let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void) {
        pool.run(PostgresStatements.isRevoked, jti) { then($0.mapError(StoreError.init)) }
    }

    func revoke(_ token: RevokedToken, then: @escaping (Result<Bool, StoreError>) -> Void) {
        pool.run(PostgresStatements.revoke, token) { then($0.mapError(StoreError.init)) }
    }

    func refreshStatus(jti: String, ownerID: Int64?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        pool.run(PostgresStatements.refreshStatus, (jti, ownerID)) { then($0.mapError(StoreError.init)) }
    }

    func rotate(_ token: RevokedToken, then: @escaping (Result<RefreshStatus, StoreError>) -> Void) {
        pool.run(PostgresStatements.rotate, token) { then($0.mapError(StoreError.init)) }
    }
}

extension StoreError {
    /// Every database failure is a 503 to the client; the pool has already logged and counted it
    /// (`PostgresConfiguration.queryFailed`).
    init(_ error: PostgresError) {
        self = .unavailable
    }
}
