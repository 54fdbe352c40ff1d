// GET /api/sessions/ and DELETE /api/sessions/{id}/: the caller's sessions (refresh-token
// families), and ending one.
import EventLoop
import JSON

extension AuthService {
    func listSessions(_ request: HTTPRequest) throws(APIError) {
        try authenticate(request) { [self] caller in
            let current = settings.sessionClaim.isEmpty ? nil : caller.claims[settings.sessionClaim]?.stringValue
            revocations.sessions(of: caller.id) { [self] result in
                switch result {
                case .failure(let error):
                    storeFailed(request, error)
                case .success(let sessions):
                    let items: [JSONValue] = sessions.map { session in
                        .object([
                            "id": .string(session.id), "created": .string(session.created), "last_used": .string(session.lastUsed),
                            "address": session.address.map { .string($0) } ?? .null,
                            "user_agent": session.userAgent.map { .string($0) } ?? .null,
                            "current": .bool(session.id == current),
                        ])
                    }
                    request.respond(status: 200, body: JSONValue.array(items).serialized())
                }
            }
        }
    }

    /// Every token of the session is blacklisted: its refresh tokens stop refreshing at once
    /// (its access tokens live out their few minutes). 204 as DRF's destroy; 404 for a session
    /// that is not the caller's, whoever's it is.
    func endSession(_ request: HTTPRequest) throws(APIError) {
        let id = String(request.path.dropFirst(Route.sessionsPrefix.count).dropLast())
        try authenticate(request) { [self] caller in
            revocations.endSession(id, of: caller.id) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success(true): request.respond(status: 204, body: [])
                case .success(false): send(request, .notFound)
                }
            }
        }
    }

    /// The client of a login, for the session it starts.
    func sessionOrigin(_ request: HTTPRequest) -> SessionOrigin {
        SessionOrigin(address: clientAddress(request).description, userAgent: request.header("User-Agent").map { String($0.prefix(256)) })
    }
}
