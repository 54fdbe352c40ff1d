// A key bound to exactly one JWS algorithm: the configured key decides the algorithm.
public import AuthCrypto

/// A signing or verification key together with the one algorithm it is used with, and an
/// optional key ID. Binding the algorithm to the key at configuration time is what defeats
/// algorithm confusion (RFC 8725 §2.1, §3.1): a token's `alg` header can only ever select this
/// algorithm or be refused, so an RSA public key is never used as an HMAC secret.
public struct JWTKey: Sendable {
    enum Material: Sendable {
        case hmac(HMACKey)
        case asymmetric(AsymmetricKey)
    }

    public let algorithm: JWSAlgorithm
    public let keyID: String?
    let material: Material

    /// An HMAC key. Refuses secrets shorter than the hash output (RFC 7518 §3.2: "A key of the
    /// same size as the hash output or larger MUST be used") and secrets that are PEM or SSH
    /// public keys, which only ever end up as HMAC secrets by mistake or by attack.
    public static func hmac(secret: [UInt8], algorithm: JWSAlgorithm, keyID: String? = nil) throws(JWTError) -> JWTKey {
        guard let digest = algorithm.hmacDigest else {
            throw JWTError(.invalidKey, "\(algorithm.rawValue) is not an HMAC algorithm")
        }
        guard secret.count >= digest.byteCount else {
            throw JWTError(
                .weakKey,
                "\(algorithm.rawValue) needs a secret of at least \(digest.byteCount) bytes, got \(secret.count)")
        }
        let text = String(decoding: secret.prefix(64), as: UTF8.self)
        if text.hasPrefix("-----BEGIN") || text.hasPrefix("ssh-rsa ") || text.hasPrefix("ssh-ed25519 ")
            || text.hasPrefix("ecdsa-sha2-")
        {
            throw JWTError(.invalidKey, "an asymmetric key or certificate cannot be an HMAC secret")
        }
        return JWTKey(algorithm: algorithm, keyID: keyID, material: .hmac(HMACKey(secret, digest: digest)))
    }

    /// An RSA, EC or Ed25519 key for `algorithm`, which must fit it: RS*/PS* need RSA of at
    /// least 2048 bits (RFC 7518 §3.3) without the ROCA flaw, ES256/384/512 need
    /// P-256/P-384/P-521, EdDSA needs Ed25519.
    public static func asymmetric(_ key: AsymmetricKey, algorithm: JWSAlgorithm, keyID: String? = nil) throws(JWTError) -> JWTKey {
        switch (algorithm, key.kind) {
        case (.RS256, .rsa(let bits)), (.RS384, .rsa(let bits)), (.RS512, .rsa(let bits)),
            (.PS256, .rsa(let bits)), (.PS384, .rsa(let bits)), (.PS512, .rsa(let bits)):
            guard bits >= 2048 else { throw JWTError(.weakKey, "RSA keys must have at least 2048 bits, got \(bits)") }
            guard !key.hasROCAFingerprint else {
                throw JWTError(.weakKey, "RSA key has the ROCA fingerprint (CVE-2017-15361): it can be factored")
            }
        case (.ES256, .ec(.p256)), (.ES384, .ec(.p384)), (.ES512, .ec(.p521)), (.EdDSA, .ed25519):
            break
        default:
            throw JWTError(.invalidKey, "a \(key.kind) key cannot be used with \(algorithm.rawValue)")
        }
        return JWTKey(algorithm: algorithm, keyID: keyID, material: .asymmetric(key))
    }

    /// A key read from a PEM file's text (private or public).
    public static func pem(_ text: String, algorithm: JWSAlgorithm, keyID: String? = nil) throws(JWTError) -> JWTKey {
        let key: AsymmetricKey
        do {
            key = try AsymmetricKey(pem: text)
        } catch {
            throw JWTError(.invalidKey, error.detail)
        }
        return try asymmetric(key, algorithm: algorithm, keyID: keyID)
    }

    /// Whether this key holds what signing needs (an HMAC secret or a private key).
    public var canSign: Bool {
        switch material {
        case .hmac: true
        case .asymmetric(let key): key.hasPrivateKey
        }
    }

    /// The asymmetric key, for JWK export; nil for HMAC keys, which are never published.
    public var asymmetricKey: AsymmetricKey? {
        if case .asymmetric(let key) = material { return key }
        return nil
    }

    /// The raw signature (or MAC) of a JWS signing input, `base64url(header) "." base64url(payload)`.
    /// Most callers want `JWSSigner`/`JWTSigner`; this exists for headers they do not build.
    public func signature(for signingInput: UnsafeRawBufferPointer) throws(JWTError) -> [UInt8] {
        switch material {
        case .hmac(let key):
            return key.authenticate(signingInput)
        case .asymmetric(let key):
            guard key.hasPrivateKey else { throw JWTError(.cannotSign, "the \(algorithm.rawValue) key is public only") }
            do {
                return try key.sign(signingInput, scheme: algorithm.signatureScheme!)
            } catch {
                throw JWTError(.cannotSign, error.detail)
            }
        }
    }

    func isValid(signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        switch material {
        case .hmac(let key):
            return key.isValid(mac: signature, for: signingInput)
        case .asymmetric(let key):
            return key.isValidSignature(signature, for: signingInput, scheme: algorithm.signatureScheme!)
        }
    }
}

extension JWSAlgorithm {
    var hmacDigest: DigestAlgorithm? {
        switch self {
        case .HS256: .sha256
        case .HS384: .sha384
        case .HS512: .sha512
        default: nil
        }
    }

    var signatureScheme: SignatureScheme? {
        switch self {
        case .HS256, .HS384, .HS512: nil
        case .RS256: .rsaPKCS1v15(.sha256)
        case .RS384: .rsaPKCS1v15(.sha384)
        case .RS512: .rsaPKCS1v15(.sha512)
        case .PS256: .rsaPSS(.sha256)
        case .PS384: .rsaPSS(.sha384)
        case .PS512: .rsaPSS(.sha512)
        case .ES256: .ecdsa(.sha256)
        case .ES384: .ecdsa(.sha384)
        case .ES512: .ecdsa(.sha512)
        case .EdDSA: .ed25519
        }
    }
}
