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

    /// simplejwt's JWTAuthentication: the bearer token, its claims, then the user, read from
    /// Postgres on every request so that a deactivation takes effect at once. Calls `then` with
    /// the active user; answers the request itself on any failure.
    func authenticate(_ request: HTTPRequest, then: @escaping ((id: UserID, username: String)) -> Void) throws(APIError) {
        let token = try AuthorizationHeader.bearerToken(request.header("Authorization"))
        let claims: JSONObject
        do {
            claims = try authority.verify(token, type: "access", now: loop.now)
        } catch {
            throw APIError.accessTokenNotValid(APIError.tokenMessage(error))
        }
        let userID: UserID
        switch userIDClaim(claims) {
        case .absent: throw APIError.noUserIdentification
        case .unusable: throw APIError.userNotFound
        case .id(let id): userID = id
        }
        users.user(id: userID) { [self] result in
            switch result {
            case .failure(let error):
                storeFailed(request, error)
            case .success(nil):
                send(request, .userNotFound)
            case .success(let user?):
                if !user.isActive {
                    send(request, .userInactive)
                } else if let cutoff = user.tokensNotBefore, issuedAt(claims) < cutoff {
                    // The user logged out everywhere after this token was issued.
                    send(request, .accessTokenNotValid("Token is blacklisted"))
                } else {
                    then((userID, user.username))
                }
            }
        }
    }
}

/// A verified token's `iat` in whole seconds, read as the claims policy reads it; 0 when absent,
/// so a token without one never outlives a logout-everywhere.
func issuedAt(_ claims: JSONObject) -> Int64 {
    ((try? ClaimsPolicy.numericDate(claims, "iat")) ?? nil).map { Int64($0) } ?? 0
}
