// The two-compressions-per-iteration PBKDF2 against Wycheproof and OpenSSL's PKCS5_PBKDF2_HMAC.
import AuthCrypto
import Testing

@Suite("PBKDF2-HMAC-SHA256")
struct PBKDF2Tests {
    @Test("matches every Wycheproof PBKDF2-HMAC-SHA256 vector")
    func wycheproof() throws {
        var tally = Tally("Wycheproof PBKDF2-HMAC-SHA256")
        for group in try Vectors.wycheproofGroups("pbkdf2_hmacsha256_test.json") {
            for test in group["tests"] as! [[String: Any]] {
                let iterations = test["iterationCount"] as! Int
                let derived = PBKDF2.sha256(
                    password: [UInt8](hex: test["password"] as! String), salt: [UInt8](hex: test["salt"] as! String),
                    iterations: iterations, byteCount: test["dkLen"] as! Int)
                tally.record(
                    id: test["tcId"] as! Int, result: test["result"] as! String,
                    accepted: derived == [UInt8](hex: test["dk"] as! String))
            }
        }
        print(tally)
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.cases == 60)
    }

    @Test("equals PKCS5_PBKDF2_HMAC across password, salt and output lengths")
    func agreesWithOpenSSL() {
        for (passwordLength, saltLength, iterations, outputLength) in [
            (0, 0, 1, 32), (3, 22, 2, 32), (64, 16, 3, 64), (65, 8, 5, 33), (200, 100, 17, 100), (1, 1, 1000, 1),
        ] {
            let password = (0..<passwordLength).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let salt = (0..<saltLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            let ours = PBKDF2.sha256(password: password, salt: salt, iterations: iterations, byteCount: outputLength)
            let reference = PBKDF2.openSSLReference(password: password, salt: salt, iterations: iterations, byteCount: outputLength)
            #expect(ours == reference, "password \(passwordLength), salt \(saltLength), \(iterations) iterations, \(outputLength) bytes")
        }
    }
}
