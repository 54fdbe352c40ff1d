// JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2): import into JWTKey, export public keys.
import AuthCrypto
public import JSON

public enum JWK {
    /// What the imported key will do; a JWK whose `use` or `key_ops` forbid it is refused.
    public enum Purpose: Sendable {
        case sign, verify
    }

    /// A key from a JWK object.
    ///
    /// The algorithm is the JWK's `alg` when present, else `algorithm`, else the only one the
    /// key type allows (ES256/384/512 by curve, EdDSA for Ed25519). RSA and `oct` keys without
    /// either are refused: their algorithm must be stated, never guessed from a token.
    /// For `.verify`, only the public half of an asymmetric key is kept.
    public static func key(from jwk: JSONObject, purpose: Purpose, algorithm: JWSAlgorithm? = nil) throws(JWTError) -> JWTKey {
        guard let kty = jwk["kty"]?.stringValue else { throw JWTError(.invalidKey, "JWK has no kty") }
        if let use = jwk["use"] {
            guard use.stringValue == "sig" else { throw JWTError(.invalidKey, "JWK use is not \"sig\"") }
        }
        if let ops = jwk["key_ops"] {
            let needed = purpose == .sign ? "sign" : "verify"
            guard let list = ops.arrayValue, list.contains(.string(needed)) else {
                throw JWTError(.invalidKey, "JWK key_ops does not allow \(needed)")
            }
        }
        var keyID: String? = nil
        if let kid = jwk["kid"] {
            guard let text = kid.stringValue else { throw JWTError(.invalidKey, "JWK kid is not a string") }
            keyID = text
        }
        var stated = algorithm
        if let alg = jwk["alg"] {
            guard let name = alg.stringValue, let parsed = JWSAlgorithm(headerValue: name) else {
                throw JWTError(.invalidKey, "JWK alg is not a supported JWS algorithm")
            }
            if let algorithm, algorithm != parsed { throw JWTError(.invalidKey, "JWK alg differs from the configured one") }
            stated = parsed
        }
        let wantsPrivate = purpose == .sign

        switch kty {
        case "oct":
            guard let stated else { throw JWTError(.invalidKey, "an oct JWK needs an alg") }
            return try JWTKey.hmac(secret: try bytes(jwk, "k"), algorithm: stated, keyID: keyID)
        case "RSA":
            guard let stated else { throw JWTError(.invalidKey, "an RSA JWK needs an alg") }
            let n = try bytes(jwk, "n"), e = try bytes(jwk, "e")
            let d = wantsPrivate ? try bytes(jwk, "d") : nil
            let p = wantsPrivate ? try optionalBytes(jwk, "p") : nil, q = wantsPrivate ? try optionalBytes(jwk, "q") : nil
            let dp = wantsPrivate ? try optionalBytes(jwk, "dp") : nil, dq = wantsPrivate ? try optionalBytes(jwk, "dq") : nil
            let qi = wantsPrivate ? try optionalBytes(jwk, "qi") : nil
            let key = try crypto { () throws(CryptoError) in
                try AsymmetricKey.rsa(n: n, e: e, d: d, p: p, q: q, dp: dp, dq: dq, qi: qi)
            }
            return try JWTKey.asymmetric(key, algorithm: stated, keyID: keyID)
        case "EC":
            guard let name = jwk["crv"]?.stringValue, let curve = ECCurve(rawValue: name) else {
                throw JWTError(.invalidKey, "EC JWK crv is not P-256, P-384 or P-521")
            }
            let x = try bytes(jwk, "x"), y = try bytes(jwk, "y")
            let d = wantsPrivate ? try bytes(jwk, "d") : nil
            let key = try crypto { () throws(CryptoError) in try AsymmetricKey.ec(curve: curve, x: x, y: y, d: d) }
            return try JWTKey.asymmetric(key, algorithm: stated ?? curve.algorithm, keyID: keyID)
        case "OKP":
            guard jwk["crv"]?.stringValue == "Ed25519" else { throw JWTError(.invalidKey, "OKP JWK crv is not Ed25519") }
            let x = try bytes(jwk, "x")
            let d = wantsPrivate ? try bytes(jwk, "d") : nil
            let key = try crypto { () throws(CryptoError) in try AsymmetricKey.ed25519(publicKey: x, privateKey: d) }
            return try JWTKey.asymmetric(key, algorithm: stated ?? .EdDSA, keyID: keyID)
        default:
            throw JWTError(.invalidKey, "JWK kty is not oct, RSA, EC or OKP")
        }
    }

    /// The public JWK of an asymmetric key, for a JWKS document: `kty`, its public members,
    /// `use`, `alg` and `kid`. nil for HMAC keys, which must never be published.
    public static func publicJWK(of key: JWTKey) -> JSONObject? {
        guard let asymmetric = key.asymmetricKey else { return nil }
        var jwk = JSONObject()
        func encode(_ bytes: [UInt8]) -> JSONValue { .string(Base64.encode(bytes, alphabet: .url, padded: false)) }
        switch asymmetric.kind {
        case .rsa:
            guard let numbers = asymmetric.rsaPublicNumbers() else { return nil }
            jwk["kty"] = .string("RSA")
            jwk["n"] = encode(numbers.n)
            jwk["e"] = encode(numbers.e)
        case .ec(let curve):
            guard let point = asymmetric.ecPublicCoordinates() else { return nil }
            jwk["kty"] = .string("EC")
            jwk["crv"] = .string(curve.rawValue)
            jwk["x"] = encode(point.x)
            jwk["y"] = encode(point.y)
        case .ed25519:
            guard let x = asymmetric.ed25519PublicKey() else { return nil }
            jwk["kty"] = .string("OKP")
            jwk["crv"] = .string("Ed25519")
            jwk["x"] = encode(x)
        }
        jwk["use"] = .string("sig")
        jwk["alg"] = .string(key.algorithm.rawValue)
        if let kid = key.keyID { jwk["kid"] = .string(kid) }
        return jwk
    }

    private static func bytes(_ jwk: JSONObject, _ name: String) throws(JWTError) -> [UInt8] {
        guard let value = try optionalBytes(jwk, name) else { throw JWTError(.invalidKey, "JWK has no \(name)") }
        return value
    }

    private static func optionalBytes(_ jwk: JSONObject, _ name: String) throws(JWTError) -> [UInt8]? {
        guard let member = jwk[name] else { return nil }
        guard let text = member.stringValue, let value = Base64.decode(text, alphabet: .url, padded: false) else {
            throw JWTError(.invalidKey, "JWK \(name) is not base64url")
        }
        return value
    }

    private static func crypto(_ body: () throws(CryptoError) -> AsymmetricKey) throws(JWTError) -> AsymmetricKey {
        do {
            return try body()
        } catch {
            throw JWTError(.invalidKey, error.detail)
        }
    }
}

extension ECCurve {
    /// The one JWS algorithm for keys on this curve (RFC 7518 §3.4).
    var algorithm: JWSAlgorithm {
        switch self {
        case .p256: .ES256
        case .p384: .ES384
        case .p521: .ES512
        }
    }
}
