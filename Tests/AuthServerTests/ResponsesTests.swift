// Error bodies, statuses and headers byte for byte as simplejwt 5.5 sends them.
@testable import AuthServer
import JWT
import Testing

@Suite("simplejwt responses")
struct ResponsesTests {
    func rendered(_ error: APIError) -> String {
        let response = error.response
        let headers = response.headers.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        return "\(response.status) [\(headers)] " + String(decoding: response.body, as: UTF8.self)
    }

    @Test("every 401 carries WWW-Authenticate: Bearer realm=\"api\" and simplejwt's body")
    func unauthorized() {
        let challenge = #"[WWW-Authenticate: Bearer realm="api"] "#
        #expect(rendered(.tokenNotValid("Token is expired")) == "401 " + challenge + #"{"detail":"Token is expired","code":"token_not_valid"}"#)
        #expect(rendered(.accessTokenNotValid("Token is invalid")) == "401 " + challenge
            + #"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#)
        #expect(rendered(.notAuthenticated) == "401 " + challenge + #"{"detail":"Authentication credentials were not provided."}"#)
        #expect(rendered(.badAuthorizationHeader) == "401 " + challenge + #"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#)
        #expect(rendered(.noUserIdentification) == "401 " + challenge + #"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#)
        #expect(rendered(.userNotFound) == "401 " + challenge + #"{"detail":"User not found","code":"user_not_found"}"#)
        #expect(rendered(.userInactive) == "401 " + challenge + #"{"detail":"User is inactive","code":"user_inactive"}"#)
        #expect(rendered(.noActiveAccount) == "401 " + challenge + #"{"detail":"No active account found with the given credentials"}"#)
        #expect(rendered(.noActiveAccountForToken) == "401 " + challenge + #"{"detail":"No active account found for the given token."}"#)
    }

    @Test("the server's own refusals are DRF detail bodies, and its 503 carries Retry-After like every other")
    func serverRefusals() {
        func rendered(_ status: Int, _ message: String) -> String {
            let reply = APIError.renderRefusal(status, message)
            let headers = reply.headers.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
            return "\(reply.status) [\(headers)] \(reply.contentType) " + String(decoding: reply.body, as: UTF8.self)
        }
        #expect(rendered(431, "Request header fields too large.") == #"431 [] application/json {"detail":"Request header fields too large."}"#)
        #expect(rendered(408, #"Said "slow"."#) == #"408 [] application/json {"detail":"Said \"slow\"."}"#)
        #expect(rendered(503, "The request took too long; try again.")
            == #"503 [Retry-After: 1] application/json {"detail":"The request took too long; try again."}"#)
    }

    @Test("400, 404, 405 and 415 carry no challenge")
    func others() {
        #expect(rendered(.nonField("Token is blacklisted")) == #"400 [] {"non_field_errors":["Token is blacklisted"]}"#)
        #expect(rendered(.notFound) == #"404 [] {"detail":"Not found."}"#)
        #expect(rendered(.methodNotAllowed(method: "GET", allowed: ["POST", "OPTIONS"])) == #"405 [Allow: POST, OPTIONS] {"detail":"Method \"GET\" not allowed."}"#)
        #expect(rendered(.unsupportedMediaType("text/plain")) == #"415 [] {"detail":"Unsupported media type \"text/plain\" in request."}"#)
    }

    @Test("JWT module errors map to simplejwt's token messages")
    func tokenMessages() {
        #expect(APIError.tokenMessage(JWTError(.expired)) == "Token is expired")
        #expect(APIError.tokenMessage(JWTError(.missingClaim, claim: "exp")) == "Token has no 'exp' claim")
        #expect(APIError.tokenMessage(JWTError(.missingClaim, claim: "jti")) == "Token has no id")
        #expect(APIError.tokenMessage(JWTError(.missingClaim, claim: "token_type")) == "Token has no type")
        #expect(APIError.tokenMessage(JWTError(.wrongTokenType)) == "Token has wrong type")
        for kind in [JWTError.Kind.badSignature, .malformed, .unsupportedAlgorithm, .algorithmMismatch, .notYetValid, .issuedInFuture, .invalidAudience, .tooLarge, .invalidClaim] {
            #expect(APIError.tokenMessage(JWTError(kind)) == "Token is invalid")
        }
    }

    @Test("the Authorization header is read as simplejwt reads it", arguments: [
        (nil, "notAuthenticated"), ("", "notAuthenticated"), ("Token abc", "notAuthenticated"), ("Basic abc", "notAuthenticated"),
        ("JWT abc", "notAuthenticated"), ("bearer abc", "notAuthenticated"), ("Bearer", "bad"), ("Bearer ", "bad"),
        ("Bearer a b", "bad"), ("Bearer abc", "abc"), ("Bearer\tabc", "abc"), ("  Bearer   abc  ", "abc"),
    ] as [(String?, String)])
    func bearer(header: String?, expected: String) {
        let outcome: String
        do {
            outcome = try AuthorizationHeader.bearerToken(header)
        } catch .notAuthenticated {
            outcome = "notAuthenticated"
        } catch {
            outcome = error == .badAuthorizationHeader ? "bad" : "other"
        }
        #expect(outcome == expected)
    }

    @Test("known paths route, slashless ones redirect, the rest are 404")
    func routes() throws {
        let router = try Router(paths: RoutePaths())
        if case .route(.obtainPair) = router.match("/api/token/") {} else { Issue.record("obtain") }
        if case .redirect("/api/token/refresh/") = router.match("/api/token/refresh") {} else { Issue.record("redirect") }
        if case .notFound = router.match("/api/token/x/") {} else { Issue.record("404") }
        if case .notFound = router.match("/healthz/") {} else { Issue.record("healthz has no slash") }
    }

    @Test("the token views' paths are settings (djoser's layout), and two views cannot share one")
    func configuredPaths() throws {
        var paths = RoutePaths()
        paths.obtainPair = "/auth/jwt/create/"
        paths.refresh = "/auth/jwt/refresh/"
        let router = try Router(paths: paths)
        if case .route(.obtainPair) = router.match("/auth/jwt/create/") {} else { Issue.record("create") }
        if case .notFound = router.match("/api/token/") {} else { Issue.record("the default path is gone") }
        paths.verify = "/auth/jwt/refresh/"
        #expect(throws: SettingsError.self) { try Router(paths: paths) }
    }

    @Test("a 401's challenge names the first AUTH_HEADER_TYPES scheme")
    func challenge() {
        let reply = APIError.notAuthenticated.response.challenging("JWT")
        #expect(reply.headers.contains { $0 == ("WWW-Authenticate", #"JWT realm="api""#) })
        #expect(APIError.notAuthenticated.response.challenging("Bearer").headers.contains { $0.1 == #"Bearer realm="api""# })
    }
}
