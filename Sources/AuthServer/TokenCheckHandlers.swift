// POST /api/token/verify/ and POST /api/token/blacklist/.
import EventLoop
import JSON
import JWT
import Postgres

extension AuthService {
    /// Any valid token answers `{}`. Revocations are consulted only with blacklist-after-rotation
    /// on, and then a revoked token is a 400, exactly as simplejwt does.
    func verify(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "token", type: nil)
        guard settings.blacklistAfterRotation else {
            send(request, [:])
            return
        }
        database.query(Statement.isRevoked.name, [claims["jti"]?.stringValue]) { [self] result in
            switch result {
            case .failure(let error): databaseFailed(request, error)
            case .success(let rows):
                if rows.flag(0, 0) == true { send(request, .nonField("Token is blacklisted")) } else { send(request, [:]) }
            }
        }
    }

    /// Revokes a refresh token for good: across restarts and every instance sharing the database.
    func blacklist(_ request: HTTPRequest) throws(APIError) {
        let claims = try verifiedToken(request, field: "refresh", type: "refresh")
        let parameters: [String?] = [claims["jti"]?.stringValue, UserIDClaim(claims).parameter, claims["exp"]?.numberValue?.literal]
        database.query(Statement.revoke.name, parameters) { [self] result in
            switch result {
            case .failure(let error): databaseFailed(request, error)
            case .success(let rows):
                if rows.count == 1 { send(request, [:]) } else { send(request, .tokenNotValid("Token is blacklisted")) }
            }
        }
    }
}
