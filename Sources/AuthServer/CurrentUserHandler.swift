// GET /api/users/me/: the protected resource, authenticated as simplejwt's JWTAuthentication does.
import EventLoop
import JSON
import JWT

extension AuthService {
    func currentUser(_ request: HTTPRequest) throws(APIError) {
        try authenticate(request) { [self] user in
            send(request, ["id": user.id.json, "username": .string(user.username)])
        }
    }

    /// simplejwt's JWTAuthentication: the token in AUTH_HEADER_NAME, valid for one of
    /// AUTH_TOKEN_CLASSES, then its user, read from PostgreSQL on every request so that a
    /// deactivation takes effect at once. Calls `then` with the active user; answers the request
    /// itself on any failure.
    func authenticate(_ request: HTTPRequest, then: @escaping (Caller) -> Void) throws(APIError) {
        let token = try AuthorizationHeader.bearerToken(request.header(settings.authHeaderName), types: settings.authHeaderTypes)
        // get_validated_token: the first class the token is valid for; each refusal is reported.
        var refusals: [TokenClassRefusal] = []
        var accepted: (tokenClass: TokenClass, claims: JSONObject)? = nil
        for tokenClass in settings.authTokenClasses {
            do {
                let claims = try authority.verify(token, type: tokenClass.tokenType, now: loop.now)
                if accepted == nil { accepted = (tokenClass, claims) }
            } catch {
                refusals.append(TokenClassRefusal(tokenClass: tokenClass, message: APIError.tokenMessage(error)))
            }
        }
        guard let (tokenClass, claims) = accepted else { throw APIError.noValidTokenType(refusals) }
        let userID: UserID
        switch userIDClaim(claims) {
        case .absent: throw APIError.noUserIdentification
        case .unusable: throw APIError.userNotFound
        case .id(let id): userID = id
        }
        // Sliding tokens are blacklistable (simplejwt's BlacklistMixin): asked in the same query.
        let jti = tokenClass == .sliding ? authority.tokenID(claims) : nil
        users.user(id: userID, blacklistedJTI: jti) { [self] result in
            switch result {
            case .failure(let error):
                storeFailed(request, error)
            case .success(let user):
                if user?.tokenBlacklisted == true {
                    // The blacklist check is part of the token's validation, before the user.
                    var messages = refusals
                    let position = settings.authTokenClasses.firstIndex(of: tokenClass) ?? 0
                    messages.insert(TokenClassRefusal(tokenClass: tokenClass, message: "Token is blacklisted"), at: min(position, messages.count))
                    send(request, .noValidTokenType(messages))
                } else if let user {
                    check(user, claims, tokenClass: tokenClass, request, then: then)
                } else {
                    send(request, .userNotFound)
                }
            }
        }
    }

    /// get_user's checks, then authd's logout-everywhere cut-off.
    private func check(
        _ user: User, _ claims: JSONObject, tokenClass: TokenClass, _ request: HTTPRequest,
        then: @escaping (Caller) -> Void
    ) {
        if !user.isActive {
            send(request, .userInactive)
        } else if settings.checkRevokeToken, claims[settings.revokeTokenClaim]?.stringValue != user.passwordMD5 {
            send(request, .passwordChanged)
        } else if let cutoff = user.tokensNotBefore, issuedAt(claims) < cutoff {
            // The user logged out everywhere after this token was issued.
            send(request, .noValidTokenType([TokenClassRefusal(tokenClass: tokenClass, message: "Token is blacklisted")]))
        } else {
            then(Caller(id: user.id, username: user.username, claims: claims))
        }
    }
}

/// Who a protected route's request comes from: the active user and their token's claims.
struct Caller {
    let id: UserID
    let username: String
    let claims: JSONObject
}

/// A verified token's `iat` in whole seconds, read as the claims policy reads it; 0 when absent,
/// so a token without one never outlives a logout-everywhere.
func issuedAt(_ claims: JSONObject) -> Int64 {
    ((try? ClaimsPolicy.numericDate(claims, "iat")) ?? nil).map { Int64($0) } ?? 0
}
