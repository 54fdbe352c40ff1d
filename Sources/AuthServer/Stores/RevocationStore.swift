// Where refresh tokens are tracked and revoked (simplejwt's blacklist app): the interface the
// handlers see.

/// A refresh token as simplejwt's outstanding-token table keeps it.
struct TokenRecord: Sendable, Equatable {
    let jti: String
    /// nil when the token names no usable user.
    let userID: UserID?
    /// The token itself: simplejwt stores it whole (`token` column).
    let token: String
    /// The token's `exp`, seconds since the epoch: its revocation is kept until then.
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
    /// Rotation only: the token was rotated within the reuse interval; this is the successor it
    /// got then, handed out again.
    var retryToken: String? = nil
    /// Rotation only: the token had been rotated before (and not within the reuse interval):
    /// reuse, so its whole family is now blacklisted.
    var reused = false
}

/// A rotation: the presented refresh token and its successor, already signed.
struct Rotation: Sendable {
    let token: TokenRecord
    let successor: TokenRecord
    /// AUTHD_REFRESH_REUSE_INTERVAL, seconds.
    let reuseInterval: Double
}

/// The issued and revoked refresh tokens. Loop-confined like `UserStore`. Each refresh costs one
/// step: the owner's activity comes along with the token's state.
protocol RevocationStore: AnyObject {
    /// Records a refresh or sliding token just issued before it is handed out, as simplejwt's
    /// `for_user` and `outstand` do, in the family of `parent` (the token it replaces), or as the
    /// first of a new family.
    func recordIssued(_ token: TokenRecord, parent: String?, at issuedAt: Double, then: @escaping (Result<Void, StoreError>) -> Void)

    /// Whether `jti` is revoked.
    func isRevoked(jti: String, then: @escaping (Result<Bool, StoreError>) -> Void)

    /// Revokes `token`: true when this call revoked it, false when it already was.
    func revoke(_ token: TokenRecord, then: @escaping (Result<Bool, StoreError>) -> Void)

    /// A refresh without revocation: the owner (`ownerID`, nil for none) and whether the token is
    /// revoked.
    func refreshStatus(jti: String, ownerID: UserID?, then: @escaping (Result<RefreshStatus, StoreError>) -> Void)

    /// A refresh that revokes what it rotates, atomically: revokes the token when its owner is
    /// active (or it names none) and records its successor, and says whether it was revoked
    /// before. Of several concurrent rotations of one token exactly one gets `revokedNow`. A token
    /// rotated before is reuse: see `RefreshStatus.retryToken` and `reused`.
    func rotate(_ rotation: Rotation, then: @escaping (Result<RefreshStatus, StoreError>) -> Void)
}
