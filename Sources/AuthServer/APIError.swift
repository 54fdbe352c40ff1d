// Every error answer authd gives, with simplejwt 5.5's exact status, body and headers.
package import EventLoop
import JSON
import JWT

/// A refusal rendered the way Django REST Framework + simplejwt render it. Handlers throw or
/// return these; `response` is the one place that turns them into bytes.
package enum APIError: Error, Sendable, Equatable {
    /// 400 `{"field":["message", ...], ...}` (DRF serializer errors), in field order.
    case fields([(String, [String])])
    /// 400 `{"non_field_errors":[message]}`.
    case nonField(String)
    /// 400 `{"detail":"JSON parse error - ..."}` or `{"detail":"Multipart form parse error - ..."}`:
    /// the whole detail, as DRF's parsers word it.
    case parse(String)
    /// 401 `{"detail":..., "code":"token_not_valid"}` on the token endpoints.
    case tokenNotValid(String)
    /// 401 for the protected route: simplejwt's "Given token not valid for any token type" with
    /// each class of AUTH_TOKEN_CLASSES and why it refused the token inside `messages`.
    case noValidTokenType([TokenClassRefusal])
    /// 401 `{"detail":"Authentication credentials were not provided."}`.
    case notAuthenticated
    /// 401 `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`.
    case badAuthorizationHeader
    /// 401 `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`.
    case noUserIdentification
    /// 401 `{"detail":"User not found","code":"user_not_found"}`.
    case userNotFound
    /// 401 `{"detail":"User is inactive","code":"user_inactive"}`.
    case userInactive
    /// 401 `{"detail":"The user's password has been changed.","code":"password_changed"}` (CHECK_REVOKE_TOKEN).
    case passwordChanged
    /// 401 `{"detail":"No active account found with the given credentials"}`.
    case noActiveAccount
    /// 401 `{"detail":"No active account found for the given token."}` (no code, as in simplejwt).
    case noActiveAccountForToken
    /// 403 `{"detail":"CSRF Failed: <reason>"}` (DRF's words for Django's CSRF reasons): with
    /// the refresh cookie on, a browser's state-changing request from an origin not trusted.
    case csrfFailed(String)
    case notFound
    /// 405 with `Allow`.
    case methodNotAllowed(method: String, allowed: [String])
    /// 415 `{"detail":"Unsupported media type \"...\" in request."}`.
    case unsupportedMediaType(String)
    /// 429 `{"detail":"Request was throttled. Expected available in N seconds."}` with
    /// `Retry-After: N` (DRF's `Throttled`, `wait` already rounded up as DRF rounds it).
    case throttled(wait: Int)
    /// 503 `{"detail": ...}`: the database or the worker pool cannot take the request now.
    case unavailable(String)

    /// The access-token refusal of the default AUTH_TOKEN_CLASSES.
    package static func accessTokenNotValid(_ message: String) -> APIError {
        .noValidTokenType([TokenClassRefusal(tokenClass: .access, message: message)])
    }

    package static func == (a: APIError, b: APIError) -> Bool { a.response.body == b.response.body && a.response.status == b.response.status }

    /// Status, extra headers and body.
    package var response: HTTPReply {
        switch self {
        case .fields(let fields):
            var writer = JSONWriter()
            writer.beginObject()
            for (name, messages) in fields {
                writer.key(name)
                writer.write(.array(messages.map { .string($0) }))
            }
            writer.endObject()
            return HTTPReply(status: 400, headers: [], body: writer.bytes)
        case .nonField(let message):
            return HTTPReply(status: 400, headers: [], body: object(["non_field_errors": .array([.string(message)])]))
        case .parse(let message):
            return HTTPReply(status: 400, headers: [], body: detail(message))
        case .tokenNotValid(let message):
            return unauthorized(object(["detail": .string(message), "code": .string("token_not_valid")]))
        case .noValidTokenType(let refusals):
            let messages: [JSONValue] = refusals.map {
                .object([
                    "token_class": .string($0.tokenClass.rawValue), "token_type": .string($0.tokenClass.tokenType), "message": .string($0.message),
                ])
            }
            return unauthorized(object([
                "detail": .string("Given token not valid for any token type"), "code": .string("token_not_valid"),
                "messages": .array(messages),
            ]))
        case .notAuthenticated:
            return unauthorized(detail("Authentication credentials were not provided."))
        case .badAuthorizationHeader:
            return unauthorized(object([
                "detail": .string("Authorization header must contain two space-delimited values"),
                "code": .string("bad_authorization_header"),
            ]))
        case .noUserIdentification:
            return unauthorized(object([
                "detail": .string("Token contained no recognizable user identification"), "code": .string("token_not_valid"),
            ]))
        case .userNotFound:
            return unauthorized(object(["detail": .string("User not found"), "code": .string("user_not_found")]))
        case .userInactive:
            return unauthorized(object(["detail": .string("User is inactive"), "code": .string("user_inactive")]))
        case .passwordChanged:
            return unauthorized(object(["detail": .string("The user's password has been changed."), "code": .string("password_changed")]))
        case .noActiveAccount:
            return unauthorized(detail("No active account found with the given credentials"))
        case .noActiveAccountForToken:
            return unauthorized(detail("No active account found for the given token."))
        case .csrfFailed(let reason):
            return HTTPReply(status: 403, headers: [], body: detail("CSRF Failed: " + reason))
        case .notFound:
            return HTTPReply(status: 404, headers: [], body: detail("Not found."))
        case .methodNotAllowed(let method, let allowed):
            return HTTPReply(status: 405, headers: [("Allow", allowed.joined(separator: ", "))], body: detail("Method \"\(method)\" not allowed."))
        case .unsupportedMediaType(let type):
            return HTTPReply(status: 415, headers: [], body: detail("Unsupported media type \"\(type)\" in request."))
        case .throttled(let wait):
            // DRF's ngettext: "second" for exactly 1.
            let unit = wait == 1 ? "second" : "seconds"
            return HTTPReply(
                status: 429, headers: [("Retry-After", String(wait))],
                body: detail("Request was throttled. Expected available in \(wait) \(unit)."))
        case .unavailable(let message):
            return HTTPReply(status: 503, headers: [("Retry-After", "1")], body: detail(message))
        }
    }

    /// The refusals the HTTP server sends by itself, worded as DRF words its own: `{"detail": ...}`,
    /// and a 503 as every other 503 (with Retry-After).
    static let renderRefusal: RefusalRenderer = { status, message in
        status == 503 ? APIError.unavailable(message).response : HTTPReply(status: status, body: detail(message))
    }

    /// The simplejwt message for a token the JWT module refused.
    static func tokenMessage(_ error: JWTError) -> String {
        switch error.kind {
        case .expired: "Token is expired"
        case .missingClaim where error.claim == "exp": "Token has no 'exp' claim"
        case .missingClaim where error.claim == "jti": "Token has no id"
        case .missingClaim where error.claim == "token_type": "Token has no type"
        case .wrongTokenType: "Token has wrong type"
        default: "Token is invalid"
        }
    }
}

/// Why one token class refused a token.
package struct TokenClassRefusal: Sendable {
    package let tokenClass: TokenClass
    package let message: String
}

extension HTTPReply {
    /// The reply with a 401's challenge naming `scheme` (AUTH_HEADER_TYPES[0]) instead of Bearer.
    func challenging(_ scheme: String) -> HTTPReply {
        guard status == 401, scheme != "Bearer" else { return self }
        var reply = self
        reply.headers = headers.map { $0.0 == "WWW-Authenticate" ? ($0.0, "\(scheme) realm=\"api\"") : $0 }
        return reply
    }
}

/// Every 401 carries the challenge simplejwt sends (AUTH_HEADER_TYPES = ("Bearer",)).
private func unauthorized(_ body: [UInt8]) -> HTTPReply {
    HTTPReply(status: 401, headers: [("WWW-Authenticate", #"Bearer realm="api""#)], body: body)
}

private func detail(_ message: String) -> [UInt8] { object(["detail": .string(message)]) }

private func object(_ members: JSONObject) -> [UInt8] { JSONValue.object(members).serialized() }
