// Where users come from: the interface the handlers see, whatever table or cache is behind it.
import JSON

/// What a login needs of a user.
struct LoginAccount: Sendable, Equatable {
    let id: UserID
    /// Django's encoded hash (`pbkdf2_sha256$...`), or an unusable one.
    let passwordHash: String
    let isActive: Bool
    /// AUTHD_TOKEN_CLAIMS: the user's columns to copy into tokens, by name.
    var claims: JSONObject = [:]
}

/// What the protected route needs of a user.
struct User: Sendable, Equatable {
    let id: UserID
    let username: String
    let isActive: Bool
    /// Tokens issued (`iat`) before this second are refused: the user logged out everywhere.
    var tokensNotBefore: Int64? = nil
    /// With CHECK_REVOKE_TOKEN: the upper-case hex MD5 of the stored hash, which the token's
    /// revoke claim must equal.
    var passwordMD5: String? = nil
    /// A sliding token's jti was asked about: it is blacklisted.
    var tokenBlacklisted = false
}

/// A password change: the new hash replaces the old one (unless it changed meanwhile) and every
/// token of the user issued before second `notBefore` is revoked.
struct PasswordChange: Sendable, Equatable {
    let userID: UserID
    let previousHash: String
    let newHash: String
    let notBefore: Int64
}

/// Why a store could not answer: the handler answers 503, the client retries. (What went wrong
/// is the store's to log; clients never see it.)
enum StoreError: Error, Sendable, Equatable {
    case unavailable
}

/// The users authd authenticates. Loop-confined: each loop has its own, and every completion
/// runs on that loop, exactly once.
protocol UserStore: AnyObject {
    /// The account whose username is exactly `username` (no case folding, as Django's
    /// ModelBackend, unless AUTHD_USERNAME_CASE_INSENSITIVE), or nil.
    func account(username: String, then: @escaping (Result<LoginAccount?, StoreError>) -> Void)

    /// The user with id `id`, or nil; with `blacklistedJTI`, whether that token is blacklisted
    /// (a sliding token authenticating), in the same step.
    func user(id: UserID, blacklistedJTI: String?, then: @escaping (Result<User?, StoreError>) -> Void)

    /// Stores `newHash` (the same password, hashed as configured now) unless the password
    /// changed since `previousHash` was read.
    func upgradePasswordHash(userID: UserID, from previousHash: String, to newHash: String, then: @escaping (Result<Void, StoreError>) -> Void)

    /// Sets `last_login` to now. Bookkeeping: nobody waits for it.
    func recordLogin(userID: UserID)

    /// What a login reads of a user, by id (a password change checks the old password).
    func credentials(id: UserID, then: @escaping (Result<LoginAccount?, StoreError>) -> Void)

    /// Stores a new password hash and revokes every earlier token of the user: their refresh
    /// tokens blacklisted (so Django refuses them too) and the logout-everywhere cut-off moved to
    /// `notBefore`. False when the stored hash is no longer `previousHash`.
    func changePassword(_ change: PasswordChange, then: @escaping (Result<Bool, StoreError>) -> Void)

    /// Logout everywhere: every token of the user issued before second `notBefore` is refused
    /// from now on (never moved back by an earlier time).
    func revokeAllTokens(userID: UserID, notBefore: Int64, then: @escaping (Result<Void, StoreError>) -> Void)
}
