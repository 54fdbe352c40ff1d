// Issues and checks simplejwt-shaped tokens: claims, lifetimes, rotation, sliding tokens.
import AuthCrypto
import EventLoop
package import JSON
package import JWT

/// Who a token is for: what `for_user(user)` reads of the user.
package struct TokenSubject: Sendable {
    package let id: UserID
    /// The stored password hash: its MD5 is the revoke-token claim (CHECK_REVOKE_TOKEN).
    package let passwordHash: String
    /// AUTHD_TOKEN_CLAIMS: user columns copied into the token.
    package let claims: JSONObject

    package init(id: UserID, passwordHash: String, claims: JSONObject = [:]) {
        self.id = id
        self.passwordHash = passwordHash
        self.claims = claims
    }
}

/// The token rules of simplejwt 5.5, with its signing keys. Immutable and shared by all threads;
/// a SIGHUP builds a new one with the keys re-read (SharedState swaps it in).
/// Public, with what the handlers do to a token's claims, for the fuzz harness (Sources/FuzzHarness).
package final class TokenAuthority: Sendable {
    let signer: JWTSigner
    let verifier: JWTVerifier
    let settings: Settings
    /// The active key's id (nil for a single key) and every verifying key's, for logs.
    package let activeKeyID: String?
    package let keyIDs: [String]
    /// GET /.well-known/jwks.json: the public keys of asymmetric keys as a JWK Set (RFC 7517),
    /// the active key first, or an empty set for HMAC secrets, which are never published.
    let keySet: String

    /// A signed token and the claims it carries.
    package struct Signed: Sendable {
        package let token: String
        package let claims: JSONObject
    }

    /// With the one key of `settings.signingKey`, without an id (simplejwt's layout).
    package convenience init(settings: Settings) throws(SettingsError) {
        try self.init(settings: settings, keys: SigningKeys.single(settings.signingKey, algorithm: settings.algorithm))
    }

    package init(settings: Settings, keys: SigningKeys) throws(SettingsError) {
        self.settings = settings
        do {
            signer = try JWTSigner(key: keys.active, includeKeyID: keys.carryKeyID)
        } catch {
            throw SettingsError("signing key refused for \(settings.algorithm.rawValue): \(error.reason)")
        }
        verifier = JWTVerifier(keys: keys.verifying)
        activeKeyID = keys.active.keyID
        keyIDs = keys.verifying.keys.compactMap(\.keyID)
        let published = keys.verifying.keys.compactMap { JWK.publicJWK(of: $0) }.map { JSONValue.object($0) }
        keySet = JSONValue.object(["keys": .array(published)]).serializedString()
    }

    /// RSA signatures cost hundreds of microseconds: they go to a worker, the rest run inline.
    var signsOnWorker: Bool {
        switch settings.algorithm {
        case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512: true
        default: false
        }
    }

    /// `RefreshToken.for_user(user)` and its `access_token`, both from the same instant.
    func pair(for subject: TokenSubject, now: Double) throws(JWTError) -> (refresh: Signed, access: String) {
        var refreshClaims = try claims(type: "refresh", lifetime: settings.refreshTokenLifetime, now: now)
        add(subject, to: &refreshClaims)
        return (try signed(refreshClaims), try access(from: refreshClaims, now: now))
    }

    /// `SlidingToken.for_user(user)`: its own lifetime, and a refresh expiry after which it can
    /// no longer slide.
    func sliding(for subject: TokenSubject, now: Double) throws(JWTError) -> Signed {
        var claims = try claims(type: "sliding", lifetime: settings.slidingTokenLifetime, now: now)
        claims[settings.slidingTokenRefreshExpClaim] = .number(JSONNumber(Int64(now) + Int64(settings.slidingTokenRefreshLifetime)))
        add(subject, to: &claims)
        return try signed(claims)
    }

    /// `for_user`'s claims about the user, in simplejwt's order: the id, the revoke-token claim,
    /// then what a `get_token` override adds.
    private func add(_ subject: TokenSubject, to claims: inout JSONObject) {
        // AUTHD_SESSION_CLAIM: the session (the family this login starts, named by this token's
        // jti) rides in every token of the family, access tokens included.
        if !settings.sessionClaim.isEmpty { claims[settings.sessionClaim] = claims[settings.jtiClaim] }
        claims[settings.userIDClaim] = .string(subject.id.text)
        if settings.checkRevokeToken { claims[settings.revokeTokenClaim] = .string(Self.revokeClaim(passwordHash: subject.passwordHash)) }
        for (name, value) in subject.claims { claims[name] = value }
    }

    /// simplejwt's `get_md5_hash_password`: the upper-case hex MD5 of the stored hash string.
    static func revokeClaim(passwordHash: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text = [UInt8]()
        for byte in LegacyDigests.md5(Array(passwordHash.utf8)) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An access token carrying every claim of `refresh` except its own type, exp, iat and jti
    /// (custom claims such as `scope` survive a refresh, as in simplejwt).
    package func access(from refresh: JSONObject, now: Double) throws(JWTError) -> String {
        let own: Set<String> = [settings.tokenTypeClaim, "exp", "iat", settings.jtiClaim, "jti", "aud", "iss"]
        var claims = try claims(type: "access", lifetime: settings.accessTokenLifetime, now: now)
        for (key, value) in refresh where !own.contains(key) {
            claims[key] = value
        }
        return try signed(claims).token
    }

    /// The rotated refresh token: the same claims in the same order, with a new jti and a full
    /// new lifetime from now (simplejwt's set_jti, set_exp, set_iat).
    package func rotated(_ refresh: JSONObject, now: Double) throws(JWTError) -> Signed {
        var claims = refresh
        let seconds = Int64(now)
        claims["exp"] = .number(JSONNumber(seconds + Int64(settings.refreshTokenLifetime)))
        claims["iat"] = .number(JSONNumber(seconds))
        claims[settings.jtiClaim] = .string(try Self.newTokenID())
        return try signed(claims)
    }

    /// TokenRefreshSlidingSerializer, once the refresh expiry is checked: a new exp and iat, the
    /// jti kept (so blacklisting one copy blacklists them all).
    package func slid(_ sliding: JSONObject, now: Double) throws(JWTError) -> Signed {
        var claims = sliding
        let seconds = Int64(now)
        claims["exp"] = .number(JSONNumber(seconds + Int64(settings.slidingTokenLifetime)))
        claims["iat"] = .number(JSONNumber(seconds))
        return try signed(claims)
    }

    /// Verifies a token; `type` nil accepts any token type (as /api/token/verify/ does).
    package func verify(_ token: String, type: String?, now: Double) throws(JWTError) -> JSONObject {
        let policy = ClaimsPolicy(
            leeway: Double(settings.leeway), audience: settings.audience?.values, issuer: settings.issuer, expectedTokenType: type,
            tokenTypeClaim: settings.tokenTypeClaim, tokenIDClaim: settings.jtiClaim)
        return try verifier.verify(token, policy: policy, now: now).claims
    }

    /// A verified token's id (JTI_CLAIM); verification requires it.
    func tokenID(_ claims: JSONObject) -> String {
        claims[settings.jtiClaim]?.stringValue ?? ""
    }

    private func claims(type: String, lifetime: Int, now: Double) throws(JWTError) -> JSONObject {
        let seconds = Int64(now)
        return [
            settings.tokenTypeClaim: .string(type), "exp": .number(JSONNumber(seconds + Int64(lifetime))),
            "iat": .number(JSONNumber(seconds)), settings.jtiClaim: .string(try Self.newTokenID()),
        ]
    }

    /// simplejwt signs a copy with `aud` and `iss` appended when configured.
    private func signed(_ claims: JSONObject) throws(JWTError) -> Signed {
        var payload = claims
        if let audience = settings.audience { payload["aud"] = audience.claim }
        if let issuer = settings.issuer { payload["iss"] = .string(issuer) }
        return Signed(token: try signer.sign(payload), claims: claims)
    }

    /// uuid4().hex: 32 lowercase hex digits with the version and variant bits of a v4 UUID.
    static func newTokenID() throws(JWTError) -> String {
        guard var bytes = TokenIDRandomness.shared.take16() else { throw JWTError(.cannotSign, "no randomness for jti") }
        bytes.6 = bytes.6 & 0x0F | 0x40
        bytes.8 = bytes.8 & 0x3F | 0x80
        return String(unsafeUninitializedCapacity: 32) { text in
            withUnsafeBytes(of: bytes) { raw in
                for (index, byte) in raw.enumerated() {
                    text[2 * index] = hexDigits[Int(byte >> 4)]
                    text[2 * index + 1] = hexDigits[Int(byte & 0x0F)]
                }
            }
            return 32
        }
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Random bytes for token ids, drawn from OpenSSL's generator 4 KiB at a time: one RAND_bytes call
/// costs about as much as the rest of signing an access token, and a jti needs uniqueness, not
/// secrecy (keys and salts still take their bytes straight from `SecureRandom`).
final class TokenIDRandomness: Sendable {
    static let shared = TokenIDRandomness()
    private static let reserveSize = 4096

    private let reserve = Lock<(bytes: [UInt8], next: Int)>(([], 0))

    /// 16 bytes no other caller gets, or nil when the generator fails.
    func take16() -> (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)? {
        reserve.withLock { reserve in
            if reserve.next + 16 > reserve.bytes.count {
                guard let fresh = try? SecureRandom.bytes(Self.reserveSize) else { return nil }
                reserve = (fresh, 0)
            }
            var taken: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &taken) { out in
                reserve.bytes.withUnsafeBytes { source in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[reserve.next..<reserve.next + 16]))
                }
            }
            // Used bytes are wiped, so the reserve never holds an id already handed out.
            for index in reserve.next..<reserve.next + 16 { reserve.bytes[index] = 0 }
            reserve.next += 16
            return taken
        }
    }
}
