// Where revoked refresh tokens are kept: the interface the handlers see.

/// A refresh token to revoke, kept until it would have expired anyway.
struct RevokedToken: Sendable, Equatable {
    let jti: String
    /// nil when the token names no usable user.
    let userID: Int64?
    /// The token's `exp`, seconds since the epoch.
    let expiresAt: Double
}

/// What a refresh needs to know before it issues anything, read in one step.
struct RefreshStatus: Sendable, Equatable {
    /// The token owner's `is_active`; nil when no user id was asked about or no such user exists.
    let ownerActive: Bool?
    /// The token was revoked before this refresh.
    let revokedBefore: Bool
    /// Rotation with blacklisting only: this refresh revoked the token (it won the race). Always
    /// false for a plain check.
    let revokedNow: Bool
    /// The owner's logout-everywhere cut-off (see `User.tokensNotBefore`), if any.
    var ownerTokensNotBefore: Int64? = nil
}

/// The revoked refresh tokens. Loop-confined like `UserStore`. Each refresh costs one step:
/// the owner's activity comes along with the token's state.
protocol RevocationStore: AnyObject {
    /// Whether `jti` is revoked.
    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void)

    /// Revokes `token`: true when this call revoked it, false when it already was.
    func revoke(_ token: RevokedToken, then: @escaping (Result<Bool, StoreError>) -> Void)

    /// A refresh without revocation: the owner (`ownerID`, nil for none) and whether the token is
    /// revoked.
    func refreshStatus(jti: String, ownerID: Int64?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void)

    /// A refresh that revokes what it rotates, atomically: revokes `token` when its owner is
    /// active (or it names none), and says whether it was revoked before. Of several concurrent
    /// rotations of one token exactly one gets `revokedNow`.
    func rotate(_ token: RevokedToken, then: @escaping (Result<RefreshStatus, StoreError>) -> Void)
}
