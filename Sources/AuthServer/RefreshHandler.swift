// POST /api/token/refresh/: a refresh token for a new access token (and, rotating, a new refresh token).
import EventLoop
import JSON
import JWT
import Postgres

extension AuthService {
    func refresh(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "refresh", type: "refresh")
        // simplejwt skips the user check when user_id is falsy; an id no user can have is
        // "no active account" here (simplejwt answers 500).
        let checksUser = !UserIDClaim.isFalsy(claims)
        let userID = UserIDClaim(claims)
        if checksUser, case .unusable = userID { throw APIError.noActiveAccountForToken }
        let jti = claims["jti"]?.stringValue ?? ""
        let expiry = claims["exp"]?.numberValue?.literal ?? "0"
        let rotatesAndRevokes = settings.rotateRefreshTokens && settings.blacklistAfterRotation
        let statement = rotatesAndRevokes ? Statement.refreshRotate : Statement.refreshCheck
        let parameters: [String?] = rotatesAndRevokes ? [userID.parameter, jti, expiry] : [userID.parameter, jti]
        database.query(statement.name, parameters) { [self] result in
            switch result {
            case .failure(let error):
                databaseFailed(request, error)
            case .success(let rows):
                let active = rows.flag(0, 0)
                let revokedBefore = rotatesAndRevokes ? rows.flag(0, 2) == true : rows.flag(0, 1) == true
                if revokedBefore {
                    send(request, .tokenNotValid("Token is blacklisted"))
                } else if checksUser && active != true {
                    send(request, .noActiveAccountForToken)
                } else if rotatesAndRevokes && rows.flag(0, 1) != true {
                    // Revoked by a concurrent refresh between our snapshot and our insert.
                    send(request, .tokenNotValid("Token is blacklisted"))
                } else {
                    issueRefreshed(request, claims)
                }
            }
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
