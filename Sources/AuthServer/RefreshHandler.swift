// POST /api/token/refresh/: a refresh token for a new access token (and, rotating, a new refresh token).
import EventLoop
import JSON
import JWT

extension AuthService {
    func refresh(_ request: HTTPRequest) throws(APIError) {
        let (token, claims) = try verifiedToken(request, field: "refresh", type: "refresh")
        // simplejwt skips the user check when user_id is falsy; an id no user can have is
        // "no active account" here (simplejwt answers 500).
        let checksUser = !UserIDClaim.isFalsy(claims, claim: settings.userIDClaim)
        let userID = userIDClaim(claims)
        if checksUser, case .unusable = userID { throw APIError.noActiveAccountForToken }
        let jti = claims["jti"]?.stringValue ?? ""
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
            revocations.rotate(TokenRecord(claims, token: token, owner: userID), then: decide)
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
            revocations.recordIssued(TokenRecord(rotated, owner: userIDClaim(rotated.claims)), at: now) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success: send(request, ["access": .string(issued.access), "refresh": .string(rotated.token)])
                }
            }
        }
        if authority.signsOnWorker { offload(request, work, then: finish) } else { finish(work()) }
    }
}
