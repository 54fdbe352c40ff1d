// ECDSA (P1363 r‖s), Ed25519, RSA PKCS#1 v1.5 and RSA-PSS verification against Wycheproof.
import AuthCrypto
import Testing

@Suite("Signatures")
struct SignatureTests {
    @Test("ECDSA P1363 verification matches Wycheproof", arguments: [
        ("ecdsa_secp256r1_sha256_p1363_test.json", DigestAlgorithm.sha256),
        ("ecdsa_secp384r1_sha384_p1363_test.json", .sha384),
        ("ecdsa_secp521r1_sha512_p1363_test.json", .sha512),
    ])
    func ecdsa(file: String, digest: DigestAlgorithm) throws {
        try run(file, scheme: .ecdsa(digest))
    }

    @Test("Ed25519 verification matches Wycheproof")
    func ed25519() throws {
        try run("ed25519_test.json", scheme: .ed25519)
    }

    @Test("RSA PKCS#1 v1.5 SHA-256 verification matches Wycheproof")
    func rsaPKCS1() throws {
        try run("rsa_signature_2048_sha256_test.json", scheme: .rsaPKCS1v15(.sha256))
    }

    @Test("RSA-PSS SHA-256 (MGF1-SHA256, 32-byte salt) verification matches Wycheproof")
    func rsaPSS() throws {
        try run("rsa_pss_2048_sha256_mgf1_32_test.json", scheme: .rsaPSS(.sha256))
    }

    private func run(_ file: String, scheme: SignatureScheme) throws {
        var tally = Tally("Wycheproof \(file)")
        for group in try Vectors.wycheproofGroups(file) {
            let key = try AsymmetricKey(pem: group["publicKeyPem"] as! String)
            for test in group["tests"] as! [[String: Any]] {
                let accepted = key.isValidSignature(
                    [UInt8](hex: test["sig"] as! String), for: [UInt8](hex: test["msg"] as! String), scheme: scheme)
                tally.record(id: test["tcId"] as! Int, result: test["result"] as! String, accepted: accepted)
            }
        }
        print(tally)
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.cases > 100)
    }
}
