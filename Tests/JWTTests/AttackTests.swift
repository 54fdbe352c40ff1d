// The JWS attacks of RFC 8725 §2 that apply to a verifier, and malformed-input refusals.
import AuthCrypto
import JSON
import JWT
import Testing

@Suite("Attacks (RFC 8725 §2)")
struct AttackTests {
    let hmacKey = try! JWTKey.hmac(secret: testSecret, algorithm: .HS256)
    let policy = ClaimsPolicy()
    let claims = #"{"token_type":"access","exp":9999999999,"iat":1,"jti":"abc","user_id":"1"}"#

    var hmacVerifier: JWTVerifier { JWTVerifier(keys: JWTKeySet(hmacKey)) }

    /// "none", "None", ..., "NONE": all 16 capitalisations.
    static let noneSpellings: [String] = (0..<16).map { mask in
        String("none".enumerated().map { i, c in mask & (1 << i) != 0 ? Character(c.uppercased()) : c })
    }

    @Test("alg none is refused in every capitalisation, with or without a signature")
    func algNone() throws {
        let rsa = try JWTKey.asymmetric(AsymmetricKey.generate(.rsa(bits: 2048)), algorithm: .RS256)
        for verifier in [hmacVerifier, JWTVerifier(keys: JWTKeySet(rsa))] {
            for spelling in Self.noneSpellings {
                for signature in ["", "c2ln", b64url("x")] {
                    let token = try handmadeToken(header: #"{"alg":"\#(spelling)","typ":"JWT"}"#, payload: claims, signature: signature)
                    let error = try #require(throws: JWTError.self) { try verifier.verify(token, policy: policy, now: 1000) }
                    #expect(error.kind == .unsupportedAlgorithm || error.kind == .malformed)
                }
            }
        }
    }

    @Test("HS256 signed with the RSA or EC public key PEM as secret is refused by that key's verifier")
    func hmacWithPublicKey() throws {
        for spec in [AsymmetricKey.GenerationSpec.rsa(bits: 2048), .ec(.p256)] {
            let key = try AsymmetricKey.generate(spec)
            let algorithm: JWSAlgorithm = if case .rsa = spec { .RS256 } else { .ES256 }
            let verifier = JWTVerifier(keys: JWTKeySet(try JWTKey.asymmetric(key, algorithm: algorithm)))
            let pem = Array(try key.publicKeyPEM().utf8)
            // The forged MAC is computed directly, as an attacker would.
            let input = b64url(#"{"alg":"HS256","typ":"JWT"}"#) + "." + b64url(claims)
            let mac = HMACKey(pem, digest: .sha256).authenticate(Array(input.utf8))
            let token = input + "." + Base64.encode(mac, alphabet: .url, padded: false)
            let error = try #require(throws: JWTError.self) { try verifier.verify(token, policy: policy, now: 1000) }
            #expect(error.kind == .algorithmMismatch)
            // And authd itself refuses to configure a PEM as an HMAC secret.
            #expect(throws: JWTError.self) { try JWTKey.hmac(secret: pem, algorithm: .HS256) }
        }
    }

    @Test("ES256 with r = s = 0 (CVE-2022-21449) is refused")
    func psychicSignature() throws {
        let key = try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p256)), algorithm: .ES256)
        let zero = Base64.encode([UInt8](repeating: 0, count: 64), alphabet: .url, padded: false)
        let token = try handmadeToken(header: #"{"alg":"ES256","typ":"JWT"}"#, payload: claims, signature: zero)
        let error = try #require(throws: JWTError.self) { try JWTVerifier(keys: JWTKeySet(key)).verify(token, policy: policy, now: 1000) }
        #expect(error.kind == .badSignature)
    }

    @Test("empty, truncated, extended or flipped signatures are refused")
    func signatureSurgery() throws {
        let token = try handmadeToken(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: claims, key: hmacKey)
        _ = try hmacVerifier.verify(token, policy: policy, now: 1000)
        let cut = token.lastIndex(of: ".")!
        let signature = String(token[token.index(after: cut)...])
        let input = String(token[..<cut])
        let last: String = signature
        var variants: [String] = [input + ".", input, input + "." + String(last.dropLast()), input + "." + String(last.dropLast(2))]
        variants.append(input + "." + last + "A")
        variants.append(input + "." + last + "AAAA")
        variants.append(input + "." + String(last.reversed()))
        variants.append(input + "." + last + "=")
        for variant in variants {
            #expect(throws: JWTError.self) { try hmacVerifier.verify(variant, policy: policy, now: 1000) }
        }
    }

    @Test("thousands of dots, a 1 MiB token and an empty string are refused quickly")
    func hugeAndDotty() throws {
        let valid = try handmadeToken(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: claims, key: hmacKey)
        let dotty = [valid + String(repeating: ".", count: 5000), String(repeating: ".", count: 5000), "", ".", "..", "a.b"]
        for token in dotty {
            let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(token, policy: policy, now: 1000) }
            #expect(error.kind == .malformed)
        }
        let huge = try handmadeToken(
            header: #"{"alg":"HS256","typ":"JWT"}"#, payload: #"{"pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#,
            key: hmacKey)
        let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(huge, policy: policy, now: 1000) }
        #expect(error.kind == .tooLarge)
    }

    @Test("a header that is not a JSON object, repeats a name, or has crit is refused", arguments: [
        ("not json", JWTError.Kind.malformed), ("[1,2]", .malformed), (#""HS256""#, .malformed),
        (#"{"alg":"HS256","alg":"HS256"}"#, .malformed), (#"{"alg":"HS256","crit":["exp"],"exp":1}"#, .unknownCriticalHeader),
        (#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, .unknownCriticalHeader), (#"{"typ":"JWT"}"#, .unsupportedAlgorithm),
        (#"{"alg":["HS256"]}"#, .unsupportedAlgorithm), (#"{"alg":"HS512"}"#, .algorithmMismatch),
        (#"{"alg":"hs256"}"#, .unsupportedAlgorithm), (#"{"alg":"HS256","kid":7}"#, .malformed),
    ])
    func badHeaders(header: String, kind: JWTError.Kind) throws {
        let token = try handmadeToken(header: header, payload: claims, key: hmacKey)
        let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(token, policy: policy, now: 1000) }
        #expect(error.kind == kind)
    }

    @Test("a payload that is not a JSON object is refused after the signature check", arguments: [
        "not json", "[]", "1", #""s""#, "{", #"{"exp":1}{"#,
    ])
    func badPayloads(payload: String) throws {
        let token = try handmadeToken(header: #"{"alg":"HS256"}"#, payload: payload, key: hmacKey)
        let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(token, policy: policy, now: 1000) }
        #expect(error.kind == .payloadNotJSONObject)
    }

    @Test("exp, nbf and iat as strings, null, lists, objects or absurd numbers are invalid claims", arguments: [
        #""9999999999""#, "null", "1e20", "[1]", #"{"a":1}"#,
    ])
    func nonNumericDates(value: String) throws {
        for claim in ["exp", "nbf", "iat"] {
            let others = claim == "exp" ? #""jti":"j""# : #""exp":9999999999,"jti":"j""#
            let payload = #"{"token_type":"access",\#(others),"\#(claim)":\#(value)}"#
            let token = try handmadeToken(header: #"{"alg":"HS256"}"#, payload: payload, key: hmacKey)
            let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(token, policy: policy, now: 1000) }
            #expect(error.kind == .invalidClaim && error.claim == claim, "\(claim)=\(value): \(error)")
        }
    }

    @Test("booleans in exp, nbf and iat are 1 and 0, as PyJWT's int() reads them: exp true is long expired")
    func booleanDates() throws {
        for value in ["true", "false"] {
            let expired = try handmadeToken(header: #"{"alg":"HS256"}"#, payload: #"{"exp":\#(value),"jti":"j"}"#, key: hmacKey)
            let error = try #require(throws: JWTError.self) { try hmacVerifier.verify(expired, policy: policy, now: 1000) }
            #expect(error.kind == .expired, "exp=\(value): \(error)")
            for claim in ["nbf", "iat"] {
                let token = try handmadeToken(
                    header: #"{"alg":"HS256"}"#, payload: #"{"exp":9999999999,"jti":"j","\#(claim)":\#(value)}"#, key: hmacKey)
                #expect(throws: Never.self) { try hmacVerifier.verify(token, policy: policy, now: 1000) }
            }
        }
    }

    @Test("an attacker's embedded jwk is ignored: only configured keys verify")
    func embeddedJWK() throws {
        let attacker = try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p256)), algorithm: .ES256)
        let victim = try JWTKey.asymmetric(AsymmetricKey.generate(.ec(.p256)), algorithm: .ES256)
        let jwk = JWK.publicJWK(of: attacker)!
        let header = #"{"alg":"ES256","jwk":\#(JSONValue.object(jwk).serializedString())}"#
        let token = try handmadeToken(header: header, payload: claims, key: attacker)
        let error = try #require(throws: JWTError.self) { try JWTVerifier(keys: JWTKeySet(victim)).verify(token, policy: policy, now: 1000) }
        #expect(error.kind == .badSignature)
    }
}
