// Signing keys: the key directory's rules, kid selection, and what a rotation does to tokens.
@testable import AuthServer
import AuthCrypto
import Glibc
import JSON
import JWT
import Testing

@Suite("Signing keys")
struct SigningKeysTests {
    static let secretA = Array("secret-a-secret-a-secret-a-secret-a-0123\n".utf8)
    static let secretB = Array("secret-b-secret-b-secret-b-secret-b-0123".utf8)

    func file(_ name: String, _ text: String) -> KeyFile { KeyFile(name: name, contents: Array(text.utf8)) }
    func file(_ name: String, _ bytes: [UInt8]) -> KeyFile { KeyFile(name: name, contents: bytes) }

    func hmacDirectory(active: String = "a") throws(SettingsError) -> SigningKeys {
        try SigningKeys.directory(
            [file("b.key", Self.secretB), file("a.key", Self.secretA), file("active", active + "\n")], algorithm: .HS256, path: "/keys")
    }

    func authority(_ keys: SigningKeys) throws -> TokenAuthority {
        var settings = Settings()
        settings.algorithm = keys.active.algorithm
        return try TokenAuthority(settings: settings, keys: keys)
    }

    func header(_ token: String) -> String {
        String(decoding: Base64.decode(String(token.split(separator: ".")[0]), alphabet: .url, padded: false)!, as: UTF8.self)
    }

    func refusal(_ body: () throws(SettingsError) -> SigningKeys) -> String {
        do {
            _ = try body()
            return "(accepted)"
        } catch {
            return error.description
        }
    }

    static let subject = TokenSubject(id: UserID(text: "1", isInteger: true), passwordHash: "x")

    @Test("the file `active` names the signing key, which comes first; the others follow by id")
    func activeFirst() throws {
        let keys = try hmacDirectory(active: "b")
        #expect(keys.active.keyID == "b" && keys.carryKeyID)
        #expect(keys.verifying.keys.map(\.keyID) == ["b", "a"])
        #expect(try hmacDirectory(active: "a").verifying.keys.map(\.keyID) == ["a", "b"])
    }

    @Test("a key file's trailing newline is not part of the secret")
    func trailingNewline() throws {
        let keys = try hmacDirectory()
        let token = try JWTSigner(key: keys.active, includeKeyID: true).sign(["exp": .number(JSONNumber(9_999_999_999))])
        let expected = try JWTKey.hmac(secret: Array(Self.secretA.dropLast()), algorithm: .HS256, keyID: "a")
        #expect(throws: Never.self) { try JWSVerifier(keys: JWTKeySet(expected)).verify(token) }
    }

    @Test("hidden files, other extensions and the other kind's files: ignored, ignored, refused")
    func fileNames() throws {
        let keys = try SigningKeys.directory(
            [file("a.key", Self.secretA), file(".b.key", Self.secretB), file("notes.txt", "x"), file("a.key.bak", "x"), file("active", "a")],
            algorithm: .HS256, path: "/keys")
        #expect(keys.verifying.keys.map(\.keyID) == ["a"])
        let pemBesideSecrets = refusal { () throws(SettingsError) in
            try SigningKeys.directory([file("a.key", Self.secretA), file("b.pem", "x"), file("active", "a")], algorithm: .HS256, path: "/keys")
        }
        #expect(pemBesideSecrets.contains("/keys/b.pem") && pemBesideSecrets.contains(".key files"))
    }

    @Test("a directory without keys, without `active`, or naming a missing key is refused, saying what to do")
    func refusals() {
        let none = refusal { () throws(SettingsError) in try SigningKeys.directory([file("active", "a")], algorithm: .HS256, path: "/keys") }
        #expect(none.contains("no .key key file"))
        let noActive = refusal { () throws(SettingsError) in try SigningKeys.directory([file("a.key", Self.secretA)], algorithm: .HS256, path: "/keys") }
        #expect(noActive.contains("/keys/active") && noActive.contains("--activate"))
        let empty = refusal { () throws(SettingsError) in try hmacDirectory(active: " \n") }
        #expect(empty.contains("/keys/active"))
        let missing = refusal { () throws(SettingsError) in try hmacDirectory(active: "c") }
        #expect(missing.contains("\"c\"") && missing.contains("c.key"))
    }

    @Test("a bad key is refused naming its file and never its content")
    func badKeys() throws {
        let short = refusal { () throws(SettingsError) in
            try SigningKeys.directory([file("a.key", Self.secretA), file("weak.key", "short-secret-XYZ"), file("active", "a")], algorithm: .HS256, path: "/k")
        }
        #expect(short.contains("/k/weak.key") && !short.contains("short-secret-XYZ"))
        let garbage = refusal { () throws(SettingsError) in
            try SigningKeys.directory([file("a.pem", "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n"), file("active", "a")], algorithm: .ES256, path: "/k")
        }
        #expect(garbage.contains("/k/a.pem") && !garbage.contains("not-a-key"))
        let p384 = try AsymmetricKey.generate(.ec(.p384)).privateKeyPEM()
        let wrongCurve = refusal { () throws(SettingsError) in
            try SigningKeys.directory([file("a.pem", p384), file("active", "a")], algorithm: .ES256, path: "/k")
        }
        #expect(wrongCurve.contains("/k/a.pem") && wrongCurve.contains("ES256"))
    }

    @Test("key ids: letters, digits, dot, underscore, dash; 1 to 64 bytes; no leading dot", arguments: [
        ("2025-01", true), ("k.v2_a", true), (String(repeating: "k", count: 64), true), ("", false), (".k", false),
        ("a b", false), ("a/b", false), ("ключ", false), (String(repeating: "k", count: 65), false), ("a\"b", false),
    ])
    func keyIDs(id: String, valid: Bool) {
        #expect(SigningKeys.isValidKeyID(id) == valid)
    }

    @Test("a public key verifies but cannot be the active key")
    func publicKeys() throws {
        let signing = try AsymmetricKey.generate(.ec(.p256))
        let retiring = try AsymmetricKey.generate(.ec(.p256))
        let keys = try SigningKeys.directory(
            [file("new.pem", try signing.privateKeyPEM()), file("old.pem", try retiring.publicKeyPEM()), file("active", "new")], algorithm: .ES256, path: "/k")
        #expect(keys.verifying.keys.map(\.keyID) == ["new", "old"])
        let refused = refusal { () throws(SettingsError) in
            try SigningKeys.directory(
                [file("new.pem", try! signing.privateKeyPEM()), file("old.pem", try! retiring.publicKeyPEM()), file("active", "old")],
                algorithm: .ES256, path: "/k")
        }
        #expect(refused.contains("/k/old.pem") && refused.contains("public key cannot be the active key"))
    }

    @Test("with ids, tokens carry the active kid in PyJWT's header order and verify by kid")
    func kidSelection() throws {
        let before = try authority(hmacDirectory(active: "a"))
        let after = try authority(hmacDirectory(active: "b"))
        let old = try before.pair(for: Self.subject, now: 1000).access
        let new = try after.pair(for: Self.subject, now: 1000).access
        #expect(header(old) == #"{"alg":"HS256","kid":"a","typ":"JWT"}"#)
        #expect(header(new) == #"{"alg":"HS256","kid":"b","typ":"JWT"}"#)
        for token in [old, new] {
            #expect(throws: Never.self) { try after.verify(token, type: "access", now: 1001) }
            #expect(throws: Never.self) { try before.verify(token, type: "access", now: 1001) }
        }
        // Retired: a set without "a" refuses a's tokens, as an unknown kid.
        let retired = try authority(SigningKeys.directory([file("b.key", Self.secretB), file("active", "b")], algorithm: .HS256, path: "/k"))
        let error = try #require(throws: JWTError.self) { try retired.verify(old, type: "access", now: 1001) }
        #expect(error.kind == .unknownKeyID && APIError.tokenMessage(error) == "Token is invalid")
        #expect(throws: Never.self) { try retired.verify(new, type: "access", now: 1001) }
    }

    @Test("with ids, a token without kid is checked against the active key alone")
    func tokenWithoutKid() throws {
        let keys = try hmacDirectory(active: "a")
        let verifier = JWTVerifier(keys: keys.verifying)
        let claims: JSONObject = ["exp": .number(JSONNumber(9_999_999_999))]
        let byActive = try JWTSigner(key: keys.verifying.keys[0]).sign(claims)
        let byOther = try JWTSigner(key: keys.verifying.keys[1]).sign(claims)
        #expect(!header(byActive).contains("kid"))
        #expect(throws: Never.self) { try verifier.verify(byActive, policy: ClaimsPolicy(requiresTokenID: false), now: 1000) }
        let error = try #require(throws: JWTError.self) { try verifier.verify(byOther, policy: ClaimsPolicy(requiresTokenID: false), now: 1000) }
        #expect(error.kind == .badSignature)
    }

    @Test("one key keeps simplejwt's exact header, with no kid")
    func singleKey() throws {
        let keys = try SigningKeys.single(Array(String(repeating: "k", count: 32).utf8), algorithm: .HS256)
        #expect(!keys.carryKeyID)
        let token = try authority(keys).pair(for: Self.subject, now: 1000).access
        #expect(header(token) == #"{"alg":"HS256","typ":"JWT"}"#)
    }

    @Test("the JWK Set lists every asymmetric key, active first, with kid, use and alg; HMAC secrets never")
    func keySet() throws {
        let first = try AsymmetricKey.generate(.ec(.p256)).privateKeyPEM()
        let second = try AsymmetricKey.generate(.ec(.p256)).privateKeyPEM()
        let keys = try SigningKeys.directory([file("k1.pem", first), file("k2.pem", second), file("active", "k2")], algorithm: .ES256, path: "/k")
        let set = try JSONParser.parse(Array(authority(keys).keySet.utf8))
        let published = try #require(set.objectValue?["keys"]?.arrayValue)
        #expect(published.map { $0.objectValue?["kid"]?.stringValue } == ["k2", "k1"])
        for jwk in published.compactMap(\.objectValue) {
            #expect(jwk["use"] == "sig" && jwk["alg"] == "ES256" && jwk["kty"] == "EC" && jwk["d"] == nil)
        }
        #expect(try authority(hmacDirectory()).keySet == #"{"keys":[]}"#)
    }

    @Test("a key directory is read from disk: key files, `active`, nothing hidden or nested")
    func readsDirectory() throws {
        let path = "/tmp/authd-keys-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(path, 0o700) == 0)
        defer {
            for name in ["a.key", "b.key", "active", ".hidden.key", "nested.key/inner", "notes.txt"] { unlink("\(path)/\(name)") }
            rmdir("\(path)/nested.key")
            rmdir(path)
        }
        func write(_ name: String, _ bytes: [UInt8]) {
            let file = fopen("\(path)/\(name)", "wb")!
            fwrite(bytes, 1, bytes.count, file)
            fclose(file)
        }
        write("a.key", Self.secretA)
        write("b.key", Self.secretB)
        write("active", Array("b\n".utf8))
        write(".hidden.key", Array("short".utf8))
        write("notes.txt", Array("x".utf8))
        #expect(mkdir("\(path)/nested.key", 0o700) == 0)
        write("nested.key/inner", Array("x".utf8))
        var settings = Settings()
        settings.signingKeysDirectory = path
        let keys = try SigningKeys.load(settings, rereadFile: true)
        #expect(keys.active.keyID == "b" && keys.verifying.keys.map(\.keyID) == ["b", "a"])
        settings.signingKeysDirectory = path + "/missing"
        #expect(throws: SettingsError.self) { try SigningKeys.load(settings, rereadFile: true) }
    }

    @Test("AUTHD_SIGNING_KEYS_DIR excludes a single key")
    func exclusiveSettings() throws {
        let read: (String) throws -> [UInt8] = { _ in Self.secretB }
        #expect(try Settings.fromEnvironment(["AUTHD_SIGNING_KEYS_DIR": "/k"], readFile: read).signingKeysDirectory == "/k")
        for single in [["AUTHD_SIGNING_KEY": "x"], ["AUTHD_SIGNING_KEY_FILE": "/f"]] {
            #expect(throws: SettingsError.self) {
                try Settings.fromEnvironment(single.merging(["AUTHD_SIGNING_KEYS_DIR": "/k"]) { a, _ in a }, readFile: read)
            }
        }
    }
}
