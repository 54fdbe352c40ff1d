// POST /api/token/verify/, /api/token/blacklist/ and /api/token/revoke-all/.
import EventLoop
import JSON
import JWT

extension AuthService {
    /// Any valid token answers `{}`. Revocations are consulted only with blacklist-after-rotation
    /// on, and then a revoked token is a 400, exactly as simplejwt does.
    func verify(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "token", type: nil).claims
        guard settings.blacklistAfterRotation else {
            send(request, [:])
            return
        }
        revocations.isRevoked(jti: authority.tokenID(claims)) { [self] result in
            switch result {
            case .failure(let error): storeFailed(request, error)
            case .success(let revoked): if revoked { send(request, .nonField("Token is blacklisted")) } else { send(request, [:]) }
            }
        }
    }

    /// Revokes a refresh token for good: across restarts and every instance sharing the database.
    /// The token comes from the body or, when the body has none, from the refresh cookie; the
    /// answer clears the cookie, and so does a refusal of the cookie's token, which can never
    /// work again (a logout leaves no cookie behind).
    func blacklist(_ request: HTTPRequest) throws(APIError) {
        let (token, fromCookie) = try refreshToken(request)
        let claims: JSONObject
        do {
            claims = try verified(token, type: "refresh")
        } catch {
            guard fromCookie else { throw error }
            send(request, error, headers: clearingRefreshCookie())
            return
        }
        revocations.revoke(TokenRecord(claims, jti: authority.tokenID(claims), token: token, owner: userIDClaim(claims))) { [self] result in
            switch result {
            case .failure(let error): storeFailed(request, error)
            case .success(true): send(request, [:], headers: clearingRefreshCookie())
            case .success(false): send(request, .tokenNotValid("Token is blacklisted"), headers: fromCookie ? clearingRefreshCookie() : [])
            }
        }
    }
}

extension AuthService {
    /// Logout everywhere, for the holder of a valid access token: every token of theirs issued
    /// before this second (access and refresh, on every instance) is refused from now on.
    func revokeAll(_ request: HTTPRequest) throws(APIError) {
        try authenticate(request) { [self] user in
            users.revokeAllTokens(userID: user.id, notBefore: Int64(loop.now)) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success: send(request, [:], headers: clearingRefreshCookie())
                }
            }
        }
    }
}

extension TokenRecord {
    /// The record of a verified refresh or sliding token (which has an id and an `exp`: the
    /// claims policy requires both).
    init(_ claims: JSONObject, jti: String, token: String, owner: UserIDClaim) {
        self.init(jti: jti, userID: owner.id, token: token, expiresAt: claims["exp"]?.numberValue?.double ?? 0)
    }
}

extension AuthService {
    /// The record of a token authd just signed.
    func record(_ signed: TokenAuthority.Signed, owner: UserIDClaim) -> TokenRecord {
        TokenRecord(signed.claims, jti: authority.tokenID(signed.claims), token: signed.token, owner: owner)
    }
}
