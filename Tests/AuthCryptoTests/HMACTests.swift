// HMAC-SHA2 with pre-computed pads against Wycheproof and against OpenSSL's HMAC().
import AuthCrypto
import Testing

@Suite("HMAC")
struct HMACTests {
    @Test("matches every Wycheproof HMAC-SHA256/384/512 vector", arguments: [
        ("hmac_sha256_test.json", DigestAlgorithm.sha256),
        ("hmac_sha384_test.json", .sha384),
        ("hmac_sha512_test.json", .sha512),
    ])
    func wycheproof(file: String, digest: DigestAlgorithm) throws {
        var tally = Tally("Wycheproof \(file)")
        for group in try Vectors.wycheproofGroups(file) {
            let tagBytes = (group["tagSize"] as! Int) / 8
            for test in group["tests"] as! [[String: Any]] {
                let key = HMACKey([UInt8](hex: test["key"] as! String), digest: digest)
                let message = [UInt8](hex: test["msg"] as! String)
                let tag = [UInt8](hex: test["tag"] as! String)
                let mac = key.authenticate(message)
                let accepted = tag.count == tagBytes && Array(mac.prefix(tagBytes)) == tag
                tally.record(id: test["tcId"] as! Int, result: test["result"] as! String, accepted: accepted)
                #expect(mac == message.withUnsafeBytes { OpenSSLHMAC.authenticate(key: [UInt8](hex: test["key"] as! String), message: $0, digest: digest) })
            }
        }
        print(tally)
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.cases > 100)
    }

    @Test("isValid accepts the exact MAC only, in full length")
    func validation() {
        let key = HMACKey(Array("k".utf8), digest: .sha256)
        let message: [UInt8] = Array("payload".utf8)
        var mac = key.authenticate(message)
        #expect(mac.withUnsafeBytes { m in message.withUnsafeBytes { key.isValid(mac: m, for: $0) } })
        let truncated = Array(mac.dropLast())
        #expect(!truncated.withUnsafeBytes { m in message.withUnsafeBytes { key.isValid(mac: m, for: $0) } })
        mac[31] ^= 1
        #expect(!mac.withUnsafeBytes { m in message.withUnsafeBytes { key.isValid(mac: m, for: $0) } })
        #expect(![UInt8]().withUnsafeBytes { m in message.withUnsafeBytes { key.isValid(mac: m, for: $0) } })
    }

    @Test("keys longer than the block are hashed first, as RFC 2104 says", arguments: DigestAlgorithm.allCases)
    func longKeys(digest: DigestAlgorithm) {
        for length in [0, 1, 63, 64, 65, 127, 128, 129, 300] {
            let keyBytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let message = (0..<(length * 3)).map { UInt8(truncatingIfNeeded: $0) }
            let ours = HMACKey(keyBytes, digest: digest).authenticate(message)
            let theirs = message.withUnsafeBytes { OpenSSLHMAC.authenticate(key: keyBytes, message: $0, digest: digest) }
            #expect(ours == theirs, "key length \(length)")
        }
    }
}
