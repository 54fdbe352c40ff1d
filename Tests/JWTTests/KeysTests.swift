// Keys bound to algorithms, key sets selected by kid, and JWK import/export.
import AuthCrypto
import JSON
import JWT
import Testing

@Suite("Keys")
struct KeysTests {
    @Test("HMAC secrets shorter than the hash output are refused (RFC 7518 §3.2)", arguments: [
        (JWSAlgorithm.HS256, 32), (.HS384, 48), (.HS512, 64),
    ])
    func shortSecrets(algorithm: JWSAlgorithm, minimum: Int) throws {
        let error = try #require(throws: JWTError.self) {
            try JWTKey.hmac(secret: [UInt8](repeating: 7, count: minimum - 1), algorithm: algorithm)
        }
        #expect(error.kind == .weakKey)
        #expect(throws: Never.self) { try JWTKey.hmac(secret: [UInt8](repeating: 7, count: minimum), algorithm: algorithm) }
    }

    @Test("a key only fits its algorithm family, curve and size")
    func mismatches() throws {
        let p256 = try AsymmetricKey.generate(.ec(.p256))
        let ed = try AsymmetricKey.generate(.ed25519)
        let smallRSA = try AsymmetricKey.generate(.rsa(bits: 1024))
        #expect(throws: JWTError.self) { try JWTKey.asymmetric(p256, algorithm: .ES384) }
        #expect(throws: JWTError.self) { try JWTKey.asymmetric(p256, algorithm: .RS256) }
        #expect(throws: JWTError.self) { try JWTKey.asymmetric(ed, algorithm: .ES256) }
        #expect(throws: JWTError.self) { try JWTKey.asymmetric(p256, algorithm: .HS256) }
        #expect(throws: JWTError.self) { try JWTKey.hmac(secret: testSecret, algorithm: .RS256) }
        let error = try #require(throws: JWTError.self) { try JWTKey.asymmetric(smallRSA, algorithm: .RS256) }
        #expect(error.kind == .weakKey)
    }

    @Test("every algorithm signs and verifies its own tokens, and no other algorithm's")
    func everyAlgorithm() throws {
        let keys = try Self.oneKeyPerAlgorithm()
        let claims: JSONObject = ["token_type": .string("access"), "exp": .number(JSONNumber(9_999_999_999)), "jti": .string("j")]
        for (algorithm, key) in keys {
            let token = try JWTSigner(key: key).sign(claims)
            let verified = try JWTVerifier(keys: JWTKeySet(key)).verify(token, policy: ClaimsPolicy(), now: 1000)
            #expect(verified.algorithm == algorithm && verified.claims == claims)
            for (other, otherKey) in keys where other != algorithm {
                #expect(throws: JWTError.self) { try JWTVerifier(keys: JWTKeySet(otherKey)).verify(token, policy: ClaimsPolicy(), now: 1000) }
            }
        }
    }

    static func oneKeyPerAlgorithm() throws -> [(JWSAlgorithm, JWTKey)] {
        let rsa = try AsymmetricKey.generate(.rsa(bits: 2048))
        return try JWSAlgorithm.allCases.map { algorithm in
            switch algorithm {
            case .HS256, .HS384, .HS512: (algorithm, try JWTKey.hmac(secret: [UInt8](repeating: 9, count: 64), algorithm: algorithm))
            case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512: (algorithm, try JWTKey.asymmetric(rsa, algorithm: algorithm))
            case .ES256: (algorithm, try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p256)), algorithm: algorithm))
            case .ES384: (algorithm, try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p384)), algorithm: algorithm))
            case .ES512: (algorithm, try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p521)), algorithm: algorithm))
            case .EdDSA: (algorithm, try JWTKey.asymmetric(AsymmetricKey.generate(.ed25519), algorithm: algorithm))
            }
        }
    }

    @Test("a key set picks the key named by kid, the first key without kid, refuses unknown kids")
    func keySelection() throws {
        let old = try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p256)), algorithm: .ES256, keyID: "2025")
        let new = try JWTKey.asymmetric(AsymmetricKey.generate(.ed25519), algorithm: .EdDSA, keyID: "2026")
        let set = try JWTKeySet([new, old])
        let verifier = JWSVerifier(keys: set)
        let fromOld = try JWSSigner(key: old, includeKeyID: true).sign(payload: Array("{}".utf8))
        let fromNew = try JWSSigner(key: new, includeKeyID: true).sign(payload: Array("{}".utf8))
        #expect(try verifier.verify(fromOld).keyID == "2025")
        #expect(try verifier.verify(fromNew).keyID == "2026")
        let untagged = try JWSSigner(key: new).sign(payload: Array("{}".utf8))
        #expect(try verifier.verify(untagged).keyID == "2026")
        let untaggedOld = try JWSSigner(key: old).sign(payload: Array("{}".utf8))
        #expect(throws: JWTError.self) { try verifier.verify(untaggedOld) }
        let stranger = try JWTKey.asymmetric(AsymmetricKey.generate(.ed25519), algorithm: .EdDSA, keyID: "9999")
        let error = try #require(throws: JWTError.self) {
            try verifier.verify(try JWSSigner(key: stranger, includeKeyID: true).sign(payload: [123, 125]))
        }
        #expect(error.kind == .unknownKeyID)
        #expect(throws: JWTError.self) { try JWTKeySet([old, old]) }
    }

    @Test("a single key without an ID ignores the token's kid, as simplejwt does")
    func kidIgnoredForSingleKey() throws {
        let key = try JWTKey.hmac(secret: testSecret, algorithm: .HS256)
        let token = try handmadeToken(header: #"{"alg":"HS256","kid":"whatever"}"#, payload: "{}", key: key)
        #expect(throws: Never.self) { try JWSVerifier(keys: JWTKeySet(key)).verify(token) }
    }

    @Test("public JWKs export and re-import for every asymmetric algorithm; HMAC keys never export")
    func jwkRoundTrip() throws {
        for (algorithm, key) in try Self.oneKeyPerAlgorithm() {
            guard let jwk = JWK.publicJWK(of: key) else {
                #expect(algorithm.isHMAC)
                continue
            }
            #expect(jwk["d"] == nil && jwk["alg"] == .string(algorithm.rawValue) && jwk["use"] == .string("sig"))
            let reimported = try JWK.key(from: jwk, purpose: .verify)
            let token = try JWSSigner(key: key).sign(payload: [123, 125])
            #expect(throws: Never.self) { try JWSVerifier(keys: JWTKeySet(reimported)).verify(token) }
        }
    }

    @Test("JWKs whose use, key_ops or alg forbid the purpose are refused", arguments: [
        #"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"HS256","use":"enc"}"#,
        #"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"HS256","key_ops":["sign"]}"#,
        #"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"none"}"#,
        #"{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
        #"{"kty":"oct","k":"AAAA","alg":"HS256"}"#,
        #"{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag","alg":"ES256"}"#,
        #"{"kty":"OKP","crv":"X25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
        #"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
        #"{"k":"AAAA"}"#,
    ])
    func refusedJWKs(text: String) throws {
        let jwk = try #require(JSONParser.parse(text).objectValue)
        #expect(throws: JWTError.self) { try JWK.key(from: jwk, purpose: .verify) }
    }
}
