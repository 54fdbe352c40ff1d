// RFC 7515 Appendix A.1–A.3 and RFC 8037 A.4, transcribed into Fixtures/rfc_examples.json.
import JSON
import JWT
import Testing

@Suite("RFC 7515 and RFC 8037 examples")
struct RFCExampleTests {
    @Test("every example verifies with its published key and payload; a flipped bit does not")
    func examples() throws {
        let examples = try #require(Fixtures.json(Fixtures.local("rfc_examples.json"))["examples"]?.arrayValue)
        #expect(examples.count == 4)
        for example in examples {
            let algorithm = try #require(JWSAlgorithm(headerValue: example["alg"]!.stringValue!))
            let key = try JWK.key(from: example["jwk"]!.objectValue!, purpose: .verify, algorithm: algorithm)
            let compact = example["compact"]!.stringValue!
            let verifier = JWSVerifier(keys: JWTKeySet(key))
            let verified = try verifier.verify(compact)
            #expect(verified.payload == Array(example["payload"]!.stringValue!.utf8), "\(example["name"]!)")
            var tampered = Array(compact.utf8)
            let dot = tampered.lastIndex(of: UInt8(ascii: "."))!
            tampered[dot + 3] = tampered[dot + 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(throws: JWTError.self) { try verifier.verify(String(decoding: tampered, as: UTF8.self)) }
        }
    }
}
