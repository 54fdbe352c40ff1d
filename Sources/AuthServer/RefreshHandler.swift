// POST /api/token/refresh/: a refresh token for a new access token (and, rotating, a new refresh token).
import EventLoop
import JSON
import JWT

extension AuthService {
    func refresh(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "refresh", type: "refresh")
        // simplejwt skips the user check when user_id is falsy; an id no user can have is
        // "no active account" here (simplejwt answers 500).
        let checksUser = !UserIDClaim.isFalsy(claims)
        let userID = UserIDClaim(claims)
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
            revocations.rotate(RevokedToken(claims, owner: userID), then: decide)
        } else {
            revocations.refreshStatus(jti: jti, ownerID: userID.id, then: decide)
        }
    }

    private func issueRefreshed(_ request: HTTPRequest, _ claims: JSONObject) {
        let authority = self.authority
        let rotate = settings.rotateRefreshTokens
        let now = loop.now
        let work: @Sendable () -> JSONObject? = {
            guard let access = try? authority.access(from: claims, now: now) else { return nil }
            var body: JSONObject = ["access": .string(access)]
            if rotate {
                guard let refresh = try? authority.rotated(claims, now: now) else { return nil }
                body["refresh"] = .string(refresh)
            }
            return body
        }
        let finish: (JSONObject?) -> Void = { [self] body in
            if let body { send(request, body) } else { send(request, .unavailable("Token signing failed, please retry.")) }
        }
        if authority.signsOnWorker { offload(request, work, then: finish) } else { finish(work()) }
    }
}
