// POST /api/token/refresh/: a refresh token for a new access token (and, rotating, a new refresh token).
import EventLoop
import JSON
import JWT

extension AuthService {
    /// Tokens a refresh hands out: a new access token, and with rotation the successor.
    typealias Refreshed = (access: String, rotated: TokenAuthority.Signed?)

    /// The token comes from the body or, when the body has none, from the refresh cookie.
    func refresh(_ request: HTTPRequest) throws(APIError) {
        let token = try refreshToken(request).token
        let claims = try verified(token, type: "refresh")
        // simplejwt skips the user check when user_id is falsy; an id no user can have is
        // "no active account" here (simplejwt answers 500).
        let checksUser = !UserIDClaim.isFalsy(claims, claim: settings.userIDClaim)
        let owner = userIDClaim(claims)
        if checksUser, case .unusable = owner { throw APIError.noActiveAccountForToken }
        let presented = TokenRecord(claims, jti: authority.tokenID(claims), token: token, owner: owner)
        let cutOff = { (status: RefreshStatus) in status.ownerTokensNotBefore.map { issuedAt(claims) < $0 } == true }

        guard settings.rotateRefreshTokens && settings.blacklistAfterRotation else {
            revocations.refreshStatus(jti: presented.jti, ownerID: owner.id) { [self] result in
                switch result {
                case .failure(let error):
                    storeFailed(request, error)
                case .success(let status):
                    if status.revokedBefore || cutOff(status) {
                        send(request, .tokenNotValid("Token is blacklisted"))
                    } else if checksUser && status.ownerActive != true {
                        send(request, .noActiveAccountForToken)
                    } else {
                        sign(request, claims) { [self] refreshed in handOut(request, refreshed, parent: presented.jti) }
                    }
                }
            }
            return
        }
        // Rotation with blacklisting: the successor is signed first, so that revoking this token
        // and recording its successor in its family are one step.
        sign(request, claims) { [self] refreshed in
            guard let successor = refreshed.rotated else { return }
            let rotation = Rotation(
                token: presented, successor: record(successor, owner: userIDClaim(successor.claims)),
                reuseInterval: Double(settings.refreshReuseInterval))
            revocations.rotate(rotation) { [self] result in
                switch result {
                case .failure(let error):
                    storeFailed(request, error)
                case .success(let status):
                    if status.reused { noteReuse(of: owner) }
                    if cutOff(status) || (status.revokedBefore && status.retryToken == nil) {
                        send(request, .tokenNotValid("Token is blacklisted"))
                    } else if checksUser && status.ownerActive != true {
                        send(request, .noActiveAccountForToken)
                    } else if status.revokedNow {
                        sendRotated(request, access: refreshed.access, refresh: successor.token)
                    } else if let retry = status.retryToken {
                        // Rotated moments ago (AUTHD_REFRESH_REUSE_INTERVAL): the same successor again.
                        sendRotated(request, access: refreshed.access, refresh: retry)
                    } else {
                        // Revoked by a concurrent refresh between our snapshot and our insert.
                        send(request, .tokenNotValid("Token is blacklisted"))
                    }
                }
            }
        }
    }

    /// The access token, and with rotation the successor (simplejwt's set_jti, set_exp,
    /// set_iat), signed on a worker when signing is costly; a 503 when signing fails.
    private func sign(_ request: HTTPRequest, _ claims: JSONObject, then: @escaping (Refreshed) -> Void) {
        let authority = self.authority
        let rotate = settings.rotateRefreshTokens
        let now = loop.now
        let work: @Sendable () -> Refreshed? = {
            guard let access = try? authority.access(from: claims, now: now) else { return nil }
            guard rotate else { return (access, nil) }
            guard let refresh = try? authority.rotated(claims, now: now) else { return nil }
            return (access, refresh)
        }
        let finish: (Refreshed?) -> Void = { [self] refreshed in
            if let refreshed { then(refreshed) } else { send(request, .unavailable("Token signing failed, please retry.")) }
        }
        if authority.signsOnWorker { offload(request, work, then: finish) } else { finish(work()) }
    }

    /// Answers a refresh that revoked nothing: with rotation, the successor is recorded first
    /// (simplejwt's `outstand()`), in the family of the token it replaces.
    private func handOut(_ request: HTTPRequest, _ refreshed: Refreshed, parent: String) {
        guard let rotated = refreshed.rotated else {
            send(request, ["access": .string(refreshed.access)])
            return
        }
        revocations.recordIssued(record(rotated, owner: userIDClaim(rotated.claims)), parent: parent, at: loop.now) { [self] result in
            switch result {
            case .failure(let error): storeFailed(request, error)
            case .success: sendRotated(request, access: refreshed.access, refresh: rotated.token)
            }
        }
    }

    /// A rotation's answer: the pair in the body (unless AUTHD_REFRESH_COOKIE_IN_BODY is off) and
    /// the new refresh token in the cookie when cookies are on.
    private func sendRotated(_ request: HTTPRequest, access: String, refresh: String) {
        send(request, refreshAnswerBody(["access": .string(access), "refresh": .string(refresh)]), headers: settingRefreshCookie(refresh))
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
