// POST /api/token/refresh/: a refresh token for a new access token (and, rotating, a new refresh token).
import EventLoop
import JSON
import JWT

extension AuthService {
    /// The token comes from the body or, when the body has none, from the refresh cookie.
    func refresh(_ request: HTTPRequest) throws(APIError) {
        let token = try refreshToken(request).token
        let claims = try verified(token, type: "refresh")
        // simplejwt skips the user check when user_id is falsy; an id no user can have is
        // "no active account" here (simplejwt answers 500).
        let checksUser = !UserIDClaim.isFalsy(claims, claim: settings.userIDClaim)
        let userID = userIDClaim(claims)
        if checksUser, case .unusable = userID { throw APIError.noActiveAccountForToken }
        let jti = authority.tokenID(claims)
        let rotatesAndRevokes = settings.rotateRefreshTokens && settings.blacklistAfterRotation
        let decide: (Result<RefreshStatus, StoreError>) -> Void = { [self] result in
            switch result {
            case .failure(let error):
                storeFailed(request, error)
            case .success(let status):
                if status.revokedBefore || status.ownerTokensNotBefore.map({ issuedAt(claims) < $0 }) == true {
                    send(request, .tokenNotValid("Token is blacklisted"))
                } else if checksUser && status.ownerActive != true {
                    send(request, .noActiveAccountForToken)
                } else if rotatesAndRevokes && !status.revokedNow {
                    // Revoked by a concurrent refresh between our snapshot and our insert.
                    send(request, .tokenNotValid("Token is blacklisted"))
                } else {
                    issueRefreshed(request, claims)
                }
            }
        }
        if rotatesAndRevokes {
            revocations.rotate(TokenRecord(claims, jti: jti, token: token, owner: userID), then: decide)
        } else {
            revocations.refreshStatus(jti: jti, ownerID: userID.id, then: decide)
        }
    }

    private func issueRefreshed(_ request: HTTPRequest, _ claims: JSONObject) {
        let authority = self.authority
        let rotate = settings.rotateRefreshTokens
        let now = loop.now
        let work: @Sendable () -> (access: String, rotated: TokenAuthority.Signed?)? = {
            guard let access = try? authority.access(from: claims, now: now) else { return nil }
            guard rotate else { return (access, nil) }
            guard let refresh = try? authority.rotated(claims, now: now) else { return nil }
            return (access, refresh)
        }
        let finish: ((access: String, rotated: TokenAuthority.Signed?)?) -> Void = { [self] issued in
            guard let issued else {
                send(request, .unavailable("Token signing failed, please retry."))
                return
            }
            guard let rotated = issued.rotated else {
                send(request, ["access": .string(issued.access)])
                return
            }
            // simplejwt's `outstand()`: the new refresh token is recorded before it is handed out.
            revocations.recordIssued(record(rotated, owner: userIDClaim(rotated.claims)), at: now) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success:
                    send(
                        request, refreshAnswerBody(["access": .string(issued.access), "refresh": .string(rotated.token)]),
                        headers: settingRefreshCookie(rotated.token))
                }
            }
        }
        if authority.signsOnWorker { offload(request, work, then: finish) } else { finish(work()) }
    }

    /// POST /api/token/sliding/refresh/ (TokenRefreshSlidingView): a sliding token, not
    /// blacklisted and before its refresh expiry, for the same token with a new exp and iat.
    /// The user is not looked at, as simplejwt does not.
    func refreshSliding(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "token", type: "sliding").claims
        let now = loop.now
        revocations.isRevoked(jti: authority.tokenID(claims)) { [self] result in
            switch result {
            case .failure(let error):
                storeFailed(request, error)
            case .success(true):
                send(request, .tokenNotValid("Token is blacklisted"))
            case .success(false):
                // simplejwt's check_exp on the refresh expiry claim, with its messages.
                let claim = settings.slidingTokenRefreshExpClaim
                guard let expiry = try? ClaimsPolicy.numericDate(claims, claim) else {
                    send(request, .tokenNotValid(claims[claim] == nil ? "Token has no '\(claim)' claim" : "Token is invalid"))
                    return
                }
                guard expiry > now - Double(settings.leeway) else {
                    send(request, .tokenNotValid("Token '\(claim)' claim has expired"))
                    return
                }
                let authority = self.authority
                let work: @Sendable () -> String? = { try? authority.slid(claims, now: now).token }
                let finish: (String?) -> Void = { [self] token in
                    if let token { send(request, ["token": .string(token)]) } else { send(request, .unavailable("Token signing failed, please retry.")) }
                }
                if authority.signsOnWorker { offload(request, work, then: finish) } else { finish(work()) }
            }
        }
    }
}
