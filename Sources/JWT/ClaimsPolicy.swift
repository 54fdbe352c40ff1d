// What a verified token's claims must satisfy (RFC 7519 §4.1, as PyJWT and simplejwt check them).
public import JSON

/// The claim checks applied after the signature verifies. Times are seconds since the epoch.
public struct ClaimsPolicy: Sendable {
    /// Allowed clock skew for `exp`, `nbf` and `iat`, in seconds.
    public var leeway: Double
    /// When set, `aud` must be one of these strings or a list containing one (PyJWT's rule for an
    /// audience list). When nil, `aud` is not looked at (simplejwt passes `verify_aud=False`
    /// without AUDIENCE).
    public var audience: [String]?
    /// When set, `iss` must equal it. When nil, `iss` is not looked at.
    public var issuer: String?
    /// When set, the token type claim must be present and equal it ("access", "refresh").
    public var expectedTokenType: String?
    /// Whether the token id claim must be present (simplejwt requires it on every token it accepts).
    public var requiresTokenID: Bool
    /// simplejwt's TOKEN_TYPE_CLAIM and JTI_CLAIM. Errors about them name them by role
    /// (`token_type`, `jti`), whatever they are called.
    public var tokenTypeClaim: String
    public var tokenIDClaim: String

    public init(
        leeway: Double = 0, audience: [String]? = nil, issuer: String? = nil, expectedTokenType: String? = nil,
        requiresTokenID: Bool = true, tokenTypeClaim: String = "token_type", tokenIDClaim: String = "jti"
    ) {
        self.leeway = leeway
        self.audience = audience
        self.issuer = issuer
        self.expectedTokenType = expectedTokenType
        self.requiresTokenID = requiresTokenID
        self.tokenTypeClaim = tokenTypeClaim
        self.tokenIDClaim = tokenIDClaim
    }

    /// The latest NumericDate accepted: 9999-12-31T23:59:59Z. Larger values are not dates any
    /// client means (simplejwt answers 500 for them; authd calls the claim invalid).
    static let latestNumericDate: Double = 253_402_300_799

    /// Checks `claims` at time `now`, in simplejwt's order: the time and audience/issuer claims
    /// PyJWT validates, then the presence of `exp`, then `jti`, then `token_type`.
    public func validate(_ claims: JSONObject, now: Double) throws(JWTError) {
        let expiry = try Self.numericDate(claims, "exp")
        if let expiry, expiry <= now - leeway { throw JWTError(.expired, "exp has passed") }
        if let notBefore = try Self.numericDate(claims, "nbf"), notBefore > now + leeway {
            throw JWTError(.notYetValid, "nbf is in the future")
        }
        if let issuedAt = try Self.numericDate(claims, "iat"), issuedAt > now + leeway {
            throw JWTError(.issuedInFuture, "iat is in the future")
        }
        if let audience { try Self.checkAudience(claims["aud"], expected: audience) }
        if let issuer {
            guard let value = claims["iss"] else { throw JWTError(.missingClaim, claim: "iss", "iss is required") }
            // Code units, not Swift's canonical equivalence: "K" must not match the Kelvin sign.
            guard let text = value.stringValue, utf8Equal(text, issuer) else { throw JWTError(.invalidIssuer, "iss differs") }
        }
        if let jti = claims["jti"], jti.stringValue == nil { throw JWTError(.invalidClaim, claim: "jti", "jti is not a string") }
        if let sub = claims["sub"], sub.stringValue == nil { throw JWTError(.invalidClaim, claim: "sub", "sub is not a string") }

        guard expiry != nil else { throw JWTError(.missingClaim, claim: "exp", "exp is required") }
        if requiresTokenID && claims[tokenIDClaim] == nil { throw JWTError(.missingClaim, claim: "jti", "jti is required") }
        if let expectedTokenType {
            guard let type = claims[tokenTypeClaim] else {
                throw JWTError(.missingClaim, claim: "token_type", "token_type is required")
            }
            guard let text = type.stringValue, utf8Equal(text, expectedTokenType) else {
                throw JWTError(.wrongTokenType, "token_type differs")
            }
        }
    }

    /// A NumericDate claim as whole seconds (fractions truncated, as PyJWT's int() does), nil
    /// when absent. A boolean is 1 or 0, as PyJWT's int(True) reads it (so `"exp": true` is long
    /// expired). Strings and absurd magnitudes are invalid (PyJWT takes numeric strings, and
    /// simplejwt then answers 500).
    public static func numericDate(_ claims: JSONObject, _ name: String) throws(JWTError) -> Double? {
        guard let value = claims[name] else { return nil }
        if case .bool(let flag) = value { return flag ? 1 : 0 }
        guard let number = value.numberValue, let seconds = number.double, seconds.isFinite,
            abs(seconds) <= latestNumericDate
        else { throw JWTError(.invalidClaim, claim: name, "\(name) is not a NumericDate") }
        return Double(Int64(seconds))  // in range, as checked above; truncates toward zero
    }

    private static func checkAudience(_ value: JSONValue?, expected: [String]) throws(JWTError) {
        guard let value else { throw JWTError(.missingClaim, claim: "aud", "aud is required") }
        func accepted(_ audience: String) -> Bool { expected.contains { utf8Equal(audience, $0) } }
        switch value {
        case .string(let audience):
            guard accepted(audience) else { throw JWTError(.invalidAudience, "aud differs") }
        case .array(let audiences):
            guard audiences.allSatisfy({ $0.stringValue != nil }) else {
                throw JWTError(.invalidClaim, claim: "aud", "aud list holds a non-string")
            }
            guard audiences.contains(where: { $0.stringValue.map(accepted) ?? false }) else {
                throw JWTError(.invalidAudience, "aud lacks the audience")
            }
        default:
            throw JWTError(.invalidClaim, claim: "aud", "aud is not a string or list")
        }
    }
}
