// Issues and checks simplejwt-shaped tokens: claims, lifetimes, rotation.
import AuthCrypto
package import JSON
package import JWT

/// The token rules of simplejwt 5.5, with one signing key. Immutable and shared by all threads.
/// Public, with what the handlers do to a token's claims, for the fuzz harness (Sources/FuzzHarness).
package final class TokenAuthority: Sendable {
    let signer: JWTSigner
    let verifier: JWTVerifier
    let settings: Settings
    /// GET /.well-known/jwks.json: the public key of an asymmetric signing key as a JWK Set
    /// (RFC 7517), or an empty set for an HMAC secret, which is never published.
    let keySet: String

    package init(settings: Settings) throws(SettingsError) {
        self.settings = settings
        let key: JWTKey
        do {
            if settings.algorithm.isHMAC {
                key = try JWTKey.hmac(secret: settings.signingKey, algorithm: settings.algorithm)
            } else {
                key = try JWTKey.pem(String(decoding: settings.signingKey, as: UTF8.self), algorithm: settings.algorithm)
            }
            signer = try JWTSigner(key: key)
        } catch {
            throw SettingsError("signing key refused for \(settings.algorithm.rawValue): \(error.detail.isEmpty ? "\(error.kind)" : error.detail)")
        }
        verifier = JWTVerifier(keys: JWTKeySet(key))
        keySet = JSONValue.object(["keys": .array(JWK.publicJWK(of: key).map { [.object($0)] } ?? [])]).serializedString()
    }

    /// RSA signatures cost hundreds of microseconds: they go to a worker, the rest run inline.
    var signsOnWorker: Bool {
        switch settings.algorithm {
        case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512: true
        default: false
        }
    }

    /// A signed token and the claims it carries.
    package struct Signed: Sendable {
        package let token: String
        package let claims: JSONObject
    }

    /// `RefreshToken.for_user(user)` and its `access_token`, both from the same instant.
    func pair(userID: UserID, now: Double) throws(JWTError) -> (refresh: Signed, access: String) {
        let refreshClaims = try claims(
            type: "refresh", lifetime: settings.refreshTokenLifetime, now: now, extra: [settings.userIDClaim: .string(userID.text)])
        return (Signed(token: try sign(refreshClaims), claims: refreshClaims), try access(from: refreshClaims, now: now))
    }

    /// An access token carrying every claim of `refresh` except its own type, exp, iat and jti
    /// (custom claims such as `scope` survive a refresh, as in simplejwt).
    package func access(from refresh: JSONObject, now: Double) throws(JWTError) -> String {
        var extra = JSONObject()
        for (key, value) in refresh where !Self.ownClaims.contains(key) {
            extra[key] = value
        }
        return try sign(try claims(type: "access", lifetime: settings.accessTokenLifetime, now: now, extra: extra))
    }

    /// Claims every token sets for itself (aud and iss are added again when signing).
    private static let ownClaims: Set<String> = ["token_type", "exp", "iat", "jti", "aud", "iss"]

    /// The rotated refresh token: the same claims in the same order, with a new jti and a full
    /// new lifetime from now (simplejwt's set_jti, set_exp, set_iat).
    package func rotated(_ refresh: JSONObject, now: Double) throws(JWTError) -> Signed {
        var claims = refresh
        let seconds = Int64(now)
        claims["exp"] = .number(JSONNumber(seconds + Int64(settings.refreshTokenLifetime)))
        claims["iat"] = .number(JSONNumber(seconds))
        claims["jti"] = .string(try Self.newTokenID())
        return Signed(token: try sign(claims), claims: claims)
    }

    /// Verifies a token; `type` nil accepts any token type (as /api/token/verify/ does).
    package func verify(_ token: String, type: String?, now: Double) throws(JWTError) -> JSONObject {
        let policy = ClaimsPolicy(
            leeway: Double(settings.leeway), audience: settings.audience, issuer: settings.issuer, expectedTokenType: type)
        return try verifier.verify(token, policy: policy, now: now).claims
    }

    private func claims(type: String, lifetime: Int, now: Double, extra: JSONObject) throws(JWTError) -> JSONObject {
        let seconds = Int64(now)
        var claims: JSONObject = [
            "token_type": .string(type), "exp": .number(JSONNumber(seconds + Int64(lifetime))),
            "iat": .number(JSONNumber(seconds)), "jti": .string(try Self.newTokenID()),
        ]
        for (key, value) in extra { claims[key] = value }
        return claims
    }

    /// simplejwt signs a copy with `aud` and `iss` appended when configured.
    private func sign(_ claims: JSONObject) throws(JWTError) -> String {
        var claims = claims
        if let audience = settings.audience { claims["aud"] = .string(audience) }
        if let issuer = settings.issuer { claims["iss"] = .string(issuer) }
        return try signer.sign(claims)
    }

    /// uuid4().hex: 32 lowercase hex digits with the version and variant bits of a v4 UUID.
    static func newTokenID() throws(JWTError) -> String {
        var bytes: [UInt8]
        do {
            bytes = try SecureRandom.bytes(16)
        } catch {
            throw JWTError(.cannotSign, "no randomness for jti")
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(32)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
