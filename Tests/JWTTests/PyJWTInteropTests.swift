// Tokens authd signs verify in PyJWT (what simplejwt runs on), and PyJWT's tokens verify in authd.
// Runs Tests/Interop/pyjwt_interop.py; needs `pip install -r Tests/Interop/requirements.txt`.
import AuthCrypto
import Foundation
import JSON
import JWT
import Testing

@Suite("PyJWT interop", .serialized)
struct PyJWTInteropTests {
    static let script = Fixtures.repositoryRoot.appendingPathComponent("Tests/Interop/pyjwt_interop.py").path

    /// Runs the script; returns (exit status, stdout).
    static func python(_ arguments: [String], stdin: String = "") throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// PyJWT present? Without it the suite is skipped, except in CI, where that is a failure.
    static let available: Bool = {
        let present = (try? python(["version"]).0) == 0
        if !present && ProcessInfo.processInfo.environment["CI"] == "true" {
            fatalError("CI=true but PyJWT is missing: pip install -r Tests/Interop/requirements.txt")
        }
        return present
    }()

    struct Material {
        let key: JWTKey
        let privateFile: String
        let publicFile: String
    }

    static func material(for algorithm: JWSAlgorithm, in directory: URL) throws -> Material {
        let (key, privatePEM, publicPEM): (JWTKey, [UInt8], [UInt8])
        if algorithm.isHMAC {
            let secret = try SecureRandom.bytes(64)
            key = try JWTKey.hmac(secret: secret, algorithm: algorithm)
            (privatePEM, publicPEM) = (secret, secret)
        } else {
            let spec: AsymmetricKey.GenerationSpec =
                switch algorithm {
                case .ES256: .ec(.p256)
                case .ES384: .ec(.p384)
                case .ES512: .ec(.p521)
                case .EdDSA: .ed25519
                default: .rsa(bits: 2048)
                }
            let generated = try AsymmetricKey.generate(spec)
            key = try JWTKey.asymmetric(generated, algorithm: algorithm)
            privatePEM = Array(try generated.privateKeyPEM().utf8)
            publicPEM = Array(try generated.publicKeyPEM().utf8)
        }
        let privateFile = directory.appendingPathComponent("\(algorithm.rawValue).key").path
        let publicFile = directory.appendingPathComponent("\(algorithm.rawValue).pub").path
        _ = FileManager.default.createFile(atPath: privateFile, contents: Data(privatePEM))
        _ = FileManager.default.createFile(atPath: publicFile, contents: Data(publicPEM))
        return Material(key: key, privateFile: privateFile, publicFile: publicFile)
    }

    @Test("both directions work for every algorithm, and tampering fails on both sides", .enabled(if: available))
    func bothDirections() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("authd-interop-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let now = Date().timeIntervalSince1970
        let claims: JSONObject = [
            "token_type": .string("access"), "exp": .number(JSONNumber(Int64(now) + 300)),
            "iat": .number(JSONNumber(Int64(now))), "jti": .string("8fdb422bc3b04136855146d084e06cba"),
            "user_id": .string("1"),
        ]
        let sortedClaims = JSONValue.object(JSONObject(claims.members.sorted { $0.key < $1.key })).serializedString()
        for algorithm in JWSAlgorithm.allCases {
            let material = try Self.material(for: algorithm, in: directory)

            let ours = try JWTSigner(key: material.key).sign(claims)
            let (status, decoded) = try Self.python(["verify", algorithm.rawValue, material.publicFile, ours])
            #expect(status == 0, "PyJWT refused authd's \(algorithm.rawValue) token")
            #expect(decoded == sortedClaims, "\(algorithm.rawValue)")
            let tampered = String(ours.dropLast(2)) + (ours.hasSuffix("AA") ? "BB" : "AA")
            #expect(try Self.python(["verify", algorithm.rawValue, material.publicFile, tampered]).0 == 1)

            let (signStatus, theirs) = try Self.python(
                ["sign", algorithm.rawValue, material.privateFile], stdin: JSONValue.object(claims).serializedString())
            #expect(signStatus == 0)
            let verified = try JWTVerifier(keys: JWTKeySet(material.key)).verify(theirs, policy: ClaimsPolicy(), now: now)
            #expect(verified.claims == claims, "\(algorithm.rawValue)")
            #expect(verified.header == ["alg": .string(algorithm.rawValue), "typ": .string("JWT")])
            if algorithm == .HS256 {
                // Same key, same claims, deterministic MAC, same header and JSON: identical bytes.
                #expect(theirs == ours, "authd's HS256 token differs from PyJWT's byte for byte")
            }
        }
    }

    @Test("public JWKs equal PyJWT's for RSA, EC and Ed25519 keys", .enabled(if: available))
    func jwkExport() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("authd-jwk-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for algorithm in [JWSAlgorithm.RS256, .ES256, .ES384, .ES512, .EdDSA] {
            let material = try Self.material(for: algorithm, in: directory)
            var jwk = try #require(JWK.publicJWK(of: material.key))
            jwk["alg"] = nil
            jwk["use"] = nil
            let ours = JSONValue.object(JSONObject(jwk.members.sorted { $0.key < $1.key })).serializedString()
            let (status, theirs) = try Self.python(["jwk", material.publicFile])
            #expect(status == 0)
            #expect(ours == theirs, "\(algorithm.rawValue)")
        }
    }
}
