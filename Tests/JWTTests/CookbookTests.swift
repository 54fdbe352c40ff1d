// RFC 7520 (JOSE cookbook) §4.1–4.4 and its Ed25519 example: verify, and re-sign where deterministic.
import AuthCrypto
import JSON
import JWT
import Testing

@Suite("RFC 7520 cookbook")
struct CookbookTests {
    @Test("each cookbook JWS verifies with its key, and deterministic ones re-sign identically", arguments: [
        "jws/4_1.rsa_v15_signature.json", "jws/4_2.rsa-pss_signature.json", "jws/4_3.ecdsa_signature.json",
        "jws/4_4.hmac-sha2_integrity_protection.json", "curve25519/jws.json",
    ])
    func example(file: String) throws {
        let example = try Fixtures.json(Fixtures.shared("jose-cookbook/" + file))
        let input = try #require(example["input"])
        let algorithm = try #require(JWSAlgorithm(headerValue: input["alg"]!.stringValue!))
        let jwk = try #require(input["key"]?.objectValue)
        let compact = try #require(example["output"]?["compact"]?.stringValue)

        let verifier = JWSVerifier(keys: JWTKeySet(try JWK.key(from: jwk, purpose: .verify, algorithm: algorithm)))
        let verified = try verifier.verify(compact)
        #expect(verified.algorithm == algorithm)
        #expect(verified.payload == Array(input["payload"]!.stringValue!.utf8))

        let signingKey = try JWK.key(from: jwk, purpose: .sign, algorithm: algorithm)
        let signingInput = String(compact[..<compact.lastIndex(of: ".")!])
        let signature = try Array(signingInput.utf8).withUnsafeBytes { try signingKey.signature(for: $0) }
        let resigned = signingInput + "." + Base64.encode(signature, alphabet: .url, padded: false)
        switch algorithm {
        case .RS256, .RS384, .RS512, .HS256, .HS384, .HS512, .EdDSA:
            #expect(resigned == compact, "deterministic signature differs from the RFC")
        default:
            // PSS and ECDSA are randomized: the new signature must differ yet verify.
            #expect(resigned != compact)
            #expect(throws: Never.self) { try verifier.verify(resigned) }
        }
    }
}
