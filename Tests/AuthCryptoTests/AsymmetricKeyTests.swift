// Key generation, PEM and component round trips, and signing with every scheme.
import AuthCrypto
import Testing

@Suite("Asymmetric keys")
struct AsymmetricKeyTests {
    static let specs: [(AsymmetricKey.GenerationSpec, SignatureScheme)] = [
        (.rsa(bits: 2048), .rsaPKCS1v15(.sha256)), (.rsa(bits: 2048), .rsaPSS(.sha512)),
        (.ec(.p256), .ecdsa(.sha256)), (.ec(.p384), .ecdsa(.sha384)), (.ec(.p521), .ecdsa(.sha512)),
        (.ed25519, .ed25519),
    ]

    @Test("a generated key signs, its PEM public half verifies, tampering fails")
    func signAndVerify() throws {
        for (spec, scheme) in Self.specs {
            let key = try AsymmetricKey.generate(spec)
            let message = Array("It's a dangerous business, Frodo".utf8)
            let signature = try key.sign(message, scheme: scheme)
            let publicKey = try AsymmetricKey(pem: key.publicKeyPEM())
            #expect(!publicKey.hasPrivateKey)
            #expect(publicKey.isValidSignature(signature, for: message, scheme: scheme))
            #expect(!publicKey.isValidSignature(signature, for: message + [0], scheme: scheme))
            var flipped = signature
            flipped[flipped.count / 2] ^= 0x40
            #expect(!publicKey.isValidSignature(flipped, for: message, scheme: scheme))
            #expect(throws: CryptoError.self) { try publicKey.sign(message, scheme: scheme) }
            let reloaded = try AsymmetricKey(pem: key.privateKeyPEM())
            #expect(reloaded.hasPrivateKey && reloaded.kind == key.kind)
        }
    }

    @Test("ECDSA signatures are raw r‖s of exactly twice the curve size")
    func ecdsaRawLength() throws {
        for curve in ECCurve.allCases {
            let key = try AsymmetricKey.generate(.ec(curve))
            let digest: DigestAlgorithm = curve == .p256 ? .sha256 : curve == .p384 ? .sha384 : .sha512
            let signature = try key.sign([1, 2, 3], scheme: .ecdsa(digest))
            #expect(signature.count == 2 * curve.coordinateByteCount)
            #expect(!key.isValidSignature(signature + [0], for: [1, 2, 3], scheme: .ecdsa(digest)))
            #expect(!key.isValidSignature(Array(signature.dropLast()), for: [1, 2, 3], scheme: .ecdsa(digest)))
        }
    }

    @Test("ECDSA r = s = 0 never verifies (CVE-2022-21449)")
    func zeroSignature() throws {
        let key = try AsymmetricKey.generate(.ec(.p256))
        #expect(!key.isValidSignature([UInt8](repeating: 0, count: 64), for: [], scheme: .ecdsa(.sha256)))
        #expect(!key.isValidSignature([UInt8](repeating: 0, count: 64), for: [1], scheme: .ecdsa(.sha256)))
    }

    @Test("public components round trip through the component constructors")
    func components() throws {
        let rsa = try AsymmetricKey.generate(.rsa(bits: 2048))
        let numbers = try #require(rsa.rsaPublicNumbers())
        #expect(numbers.e == [1, 0, 1])
        let rebuiltRSA = try AsymmetricKey.rsa(n: numbers.n, e: numbers.e)
        #expect(try rebuiltRSA.publicKeyPEM() == rsa.publicKeyPEM())

        let ec = try AsymmetricKey.generate(.ec(.p521))
        let point = try #require(ec.ecPublicCoordinates())
        #expect(point.x.count == 66 && point.y.count == 66)
        #expect(try AsymmetricKey.ec(curve: .p521, x: point.x, y: point.y).publicKeyPEM() == ec.publicKeyPEM())

        let ed = try AsymmetricKey.generate(.ed25519)
        let x = try #require(ed.ed25519PublicKey())
        #expect(try AsymmetricKey.ed25519(publicKey: x).publicKeyPEM() == ed.publicKeyPEM())
    }

    @Test("fresh RSA keys do not have the ROCA fingerprint (Wycheproof's ROCA key is checked in JWTTests)")
    func rocaNegative() throws {
        for _ in 0..<3 {
            #expect(!(try AsymmetricKey.generate(.rsa(bits: 2048))).hasROCAFingerprint)
        }
        #expect(!(try AsymmetricKey.generate(.ec(.p256))).hasROCAFingerprint)
    }

    @Test("invalid key material is a typed error")
    func invalidKeys() {
        #expect(throws: CryptoError.self) { try AsymmetricKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
        #expect(throws: CryptoError.self) { try AsymmetricKey(pem: "") }
        // A point that is not on P-256.
        #expect(throws: CryptoError.self) {
            try AsymmetricKey.ec(curve: .p256, x: [UInt8](repeating: 1, count: 32), y: [UInt8](repeating: 2, count: 32))
        }
        #expect(throws: CryptoError.self) { try AsymmetricKey.ec(curve: .p256, x: [1], y: [2]) }
        #expect(throws: CryptoError.self) { try AsymmetricKey.ed25519(publicKey: [1, 2, 3]) }
    }
}
