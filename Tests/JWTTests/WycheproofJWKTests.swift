// Every case of Wycheproof's json_web_key_test.json: key sets, weak and malformed keys.
import JSON
import JWT
import Testing

@Suite("Wycheproof JWK")
struct WycheproofJWKTests {
    @Test("26 key and key-set cases end as labelled")
    func everyCase() throws {
        let root = try Fixtures.json(Fixtures.shared("wycheproof/json_web_key_test.json"))
        var cases = 0, asLabelled = 0
        var wrong: [Int] = []
        for group in root["testGroups"]!.arrayValue! {
            let document = (group["public"] ?? group["private"])!
            let jwks = document["keys"]?.arrayValue?.compactMap(\.objectValue) ?? [document.objectValue!]
            // A set is usable only if every key in it is: one bad key refuses the whole set.
            let verifier = (try? JWTKeySet(jwks.map { try JWK.key(from: $0, purpose: .verify) })).map { JWSVerifier(keys: $0) }
            for test in group["tests"]!.arrayValue! {
                cases += 1
                let accepted = verifier.map { (try? $0.verify(test["jws"]!.stringValue!)) != nil } ?? false
                if accepted == (test["result"]!.stringValue == "valid") { asLabelled += 1 } else { wrong.append(test["tcId"]!.int!) }
            }
        }
        print("Wycheproof JWK: \(cases) cases, \(asLabelled) as labelled, failing: \(wrong)")
        #expect(cases == 26)
        #expect(wrong.isEmpty, "tcIds not as labelled: \(wrong)")
    }
}
