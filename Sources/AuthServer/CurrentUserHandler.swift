// GET /api/users/me/: the protected resource, authenticated as simplejwt's JWTAuthentication does.
import EventLoop
import JSON
import JWT
import Postgres

extension AuthService {
    func currentUser(_ request: HTTPRequest) throws(APIError) {
        try authenticate(request) { [self] user in
            send(request, ["id": .number(JSONNumber(user.id)), "username": .string(user.username)])
        }
    }

    /// simplejwt's JWTAuthentication: the bearer token, its claims, then the user, read from
    /// Postgres on every request so that a deactivation takes effect at once. Calls `then` with
    /// the active user; answers the request itself on any failure.
    func authenticate(_ request: HTTPRequest, then: @escaping ((id: Int64, username: String)) -> Void) throws(APIError) {
        let token = try Self.bearerToken(request.header("Authorization"))
        let claims: JSONObject
        do {
            claims = try authority.verify(token, type: "access", now: loop.now)
        } catch {
            throw APIError.accessTokenNotValid(APIError.tokenMessage(error))
        }
        let userID: Int64
        switch UserIDClaim(claims) {
        case .absent: throw APIError.noUserIdentification
        case .unusable: throw APIError.userNotFound
        case .id(let id): userID = id
        }
        database.query(Statement.userByID.name, [String(userID)]) { [self] result in
            switch result {
            case .failure(let error):
                databaseFailed(request, error)
            case .success(let rows):
                guard let row = rows.first, row.count == 3, let username = row[1] else {
                    send(request, .userNotFound)
                    return
                }
                guard row[2] == "t" else {
                    send(request, .userInactive)
                    return
                }
                then((userID, username))
            }
        }
    }

    /// simplejwt's get_raw_token: split on whitespace; no header, no parts, or a first part
    /// other than "Bearer" (case-sensitive) means no credentials; "Bearer" without exactly one
    /// more part is a malformed header.
    static func bearerToken(_ header: String?) throws(APIError) -> String {
        guard let header else { throw APIError.notAuthenticated }
        let parts = header.utf8.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
        guard let scheme = parts.first, String(decoding: scheme, as: UTF8.self) == "Bearer" else {
            throw APIError.notAuthenticated
        }
        guard parts.count == 2 else { throw APIError.badAuthorizationHeader }
        return String(decoding: parts[1], as: UTF8.self)
    }
}
