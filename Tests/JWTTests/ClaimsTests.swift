// Claim checks as PyJWT 2.15 and simplejwt 5.5 apply them.
import JSON
import JWT
import Testing

@Suite("Claims")
struct ClaimsTests {
    func check(_ claims: JSONObject, _ policy: ClaimsPolicy = ClaimsPolicy(), now: Double = 1000) throws(JWTError) {
        try policy.validate(claims, now: now)
    }

    func kind(_ claims: JSONObject, _ policy: ClaimsPolicy = ClaimsPolicy(), now: Double = 1000) -> JWTError.Kind? {
        do {
            try check(claims, policy, now: now)
            return nil
        } catch {
            return error.kind
        }
    }

    let base: JSONObject = ["token_type": .string("access"), "exp": .number(JSONNumber(2000)), "iat": .number(JSONNumber(900)), "jti": .string("j")]

    @Test("exp is required and expires at exp itself, with leeway")
    func expiry() {
        #expect(kind(base) == nil)
        #expect(kind(base, now: 1999.9) == nil)
        #expect(kind(base, now: 2000) == .expired)
        #expect(kind(base, ClaimsPolicy(leeway: 10), now: 2009) == nil)
        #expect(kind(base, ClaimsPolicy(leeway: 10), now: 2010) == .expired)
        var noExp = base
        noExp["exp"] = nil
        #expect(kind(noExp) == .missingClaim)
    }

    @Test("fractional dates are truncated like PyJWT's int()")
    func fractional() {
        var claims = base
        claims["exp"] = .number(JSONNumber(literal: "1000.9")!)
        #expect(kind(claims, now: 1000) == .expired)
        #expect(kind(claims, now: 999.5) == nil)
    }

    @Test("nbf and iat in the future are refused, within leeway accepted")
    func future() {
        var claims = base
        claims["nbf"] = .number(JSONNumber(1005))
        #expect(kind(claims) == .notYetValid)
        #expect(kind(claims, ClaimsPolicy(leeway: 5)) == nil)
        claims = base
        claims["iat"] = .number(JSONNumber(1001))
        #expect(kind(claims) == .issuedInFuture)
        #expect(kind(claims, ClaimsPolicy(leeway: 1)) == nil)
        claims["iat"] = nil
        #expect(kind(claims) == nil, "iat is optional")
    }

    @Test("audience: a string or a list containing it; ignored when not configured")
    func audience() {
        let policy = ClaimsPolicy(audience: ["api"])
        var claims = base
        #expect(kind(claims, policy) == .missingClaim)
        claims["aud"] = .string("api")
        #expect(kind(claims, policy) == nil)
        claims["aud"] = .array([.string("web"), .string("api")])
        #expect(kind(claims, policy) == nil)
        claims["aud"] = .array([.string("web")])
        #expect(kind(claims, policy) == .invalidAudience)
        claims["aud"] = .string("API")
        #expect(kind(claims, policy) == .invalidAudience)
        claims["aud"] = .number(JSONNumber(1))
        #expect(kind(claims, policy) == .invalidClaim)
        #expect(kind(claims) == nil, "aud is not looked at without a configured audience")
    }

    @Test("an audience list (simplejwt's AUDIENCE as a list): a token needs any one of them")
    func audienceList() {
        let policy = ClaimsPolicy(audience: ["web", "api"])
        var claims = base
        for accepted: JSONValue in [.string("api"), .string("web"), .array([.string("x"), .string("api")])] {
            claims["aud"] = accepted
            #expect(kind(claims, policy) == nil, "\(accepted)")
        }
        claims["aud"] = .array([.string("x")])
        #expect(kind(claims, policy) == .invalidAudience)
    }

    @Test("token type and id claims may have other names (TOKEN_TYPE_CLAIM, JTI_CLAIM)")
    func claimNames() {
        let policy = ClaimsPolicy(expectedTokenType: "access", tokenTypeClaim: "typ_", tokenIDClaim: "id_")
        var claims = base
        claims["typ_"] = .string("access")
        #expect(kind(claims, policy) == .missingClaim, "no id_ yet")
        claims["id_"] = .string("x")
        #expect(kind(claims, policy) == nil)
        claims["typ_"] = .string("refresh")
        #expect(kind(claims, policy) == .wrongTokenType)
    }

    @Test("issuer must match exactly when configured")
    func issuer() {
        let policy = ClaimsPolicy(issuer: "authd")
        var claims = base
        #expect(kind(claims, policy) == .missingClaim)
        claims["iss"] = .string("authd")
        #expect(kind(claims, policy) == nil)
        claims["iss"] = .string("other")
        #expect(kind(claims, policy) == .invalidIssuer)
    }

    @Test("aud and iss compare code units as PyJWT does, not Swift's canonical equivalence")
    func codeUnits() {
        var claims = base
        claims["aud"] = .string("cafe\u{301}")  // e + combining acute: canonically "café"
        #expect(kind(claims, ClaimsPolicy(audience: ["caf\u{e9}"])) == .invalidAudience)
        claims["aud"] = .array([.string("cafe\u{301}")])
        #expect(kind(claims, ClaimsPolicy(audience: ["caf\u{e9}"])) == .invalidAudience)
        claims["iss"] = .string("\u{212A}")  // KELVIN SIGN, canonically "K"
        #expect(kind(claims, ClaimsPolicy(issuer: "K")) == .invalidIssuer)
    }

    @Test("token_type and jti: missing, wrong, or of the wrong JSON type")
    func typeAndID() {
        let access = ClaimsPolicy(expectedTokenType: "access")
        #expect(kind(base, access) == nil)
        #expect(kind(base, ClaimsPolicy(expectedTokenType: "refresh")) == .wrongTokenType)
        var claims = base
        claims["token_type"] = nil
        #expect(kind(claims, access) == .missingClaim)
        #expect(kind(claims) == nil, "no expected type: any type passes, as on /api/token/verify/")
        claims = base
        claims["jti"] = nil
        #expect(kind(claims) == .missingClaim)
        #expect(kind(claims, ClaimsPolicy(requiresTokenID: false)) == nil)
        claims["jti"] = .number(JSONNumber(5))
        #expect(kind(claims) == .invalidClaim)
        claims = base
        claims["sub"] = .number(JSONNumber(5))
        #expect(kind(claims) == .invalidClaim)
    }

    @Test("errors come in simplejwt's order: expiry before missing claims, exp before jti before type")
    func order() throws {
        var claims: JSONObject = ["exp": .number(JSONNumber(5))]
        #expect(kind(claims, ClaimsPolicy(expectedTokenType: "access")) == .expired)
        claims = [:]
        do {
            try check(claims, ClaimsPolicy(expectedTokenType: "access"))
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .missingClaim && error.claim == "exp")
        }
        claims = ["exp": .number(JSONNumber(5000))]
        do {
            try check(claims, ClaimsPolicy(expectedTokenType: "access"))
            Issue.record("accepted")
        } catch {
            #expect(error.claim == "jti")
        }
    }
}
