// Django's PBKDF2PasswordHasher (pbkdf2_sha256) and PBKDF2SHA1PasswordHasher (pbkdf2_sha1):
// <algorithm>$<iterations>$<salt>$<base64 of the derived key>.
import AuthCrypto

public struct PBKDF2Hasher: DjangoHasher {
    public enum Digest: Sendable {
        /// authd's own PBKDF2 (AuthCrypto/PBKDF2.swift): about 4x faster than OpenSSL's.
        case sha256
        /// OpenSSL's PKCS5_PBKDF2_HMAC with SHA-1.
        case sha1
    }

    /// Django 5.2's default.
    public static let defaultIterations = 1_000_000
    /// Work beyond this is refused rather than performed: a hash row asking for more would tie
    /// up a worker for seconds per login attempt (50,000,000: about 4.5 s of SHA-256 on one
    /// core, 15 s of OpenSSL's SHA-1).
    public static let maximumIterations = 50_000_000

    public let digest: Digest
    /// Iterations of new hashes; stored hashes with any other count need a rehash.
    public let iterations: Int

    public init(digest: Digest = .sha256, iterations: Int = PBKDF2Hasher.defaultIterations) {
        precondition(iterations >= 1 && iterations <= Self.maximumIterations)
        self.digest = digest
        self.iterations = iterations
    }

    public var algorithm: HasherAlgorithm { digest == .sha256 ? .pbkdf2SHA256 : .pbkdf2SHA1 }

    /// The fields of a stored hash.
    struct Parsed {
        let iterations: Int
        /// Exactly as stored; Django feeds its UTF-8 bytes (not a decoding) to PBKDF2.
        let salt: String
        let encodedHash: Substring
    }

    func parse(_ encoded: String) throws(PasswordHashError) -> Parsed {
        // Django splits with maxsplit=3: the salt cannot contain "$", the hash part is the rest.
        let parts = encoded.split(separator: "$", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == algorithm.rawValue else { throw .malformed("expected algorithm$iterations$salt$hash") }
        guard let iterations = canonicalDecimal(parts[1]), iterations >= 1 else {
            throw .malformed("iterations is not a canonical positive decimal integer")
        }
        guard iterations <= Self.maximumIterations else { throw .aboveLimit("iterations above \(Self.maximumIterations)") }
        // Django raises on an empty salt ("salt must be provided").
        guard !parts[2].isEmpty else { throw .malformed("empty salt") }
        return Parsed(iterations: iterations, salt: String(parts[2]), encodedHash: parts[3])
    }

    public func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        let computed = derive(password, salt: stored.salt, iterations: stored.iterations)
        // Django compares the whole re-encoded string; comparing the base64 of the derived key
        // is the same test, since the other parts were just parsed from `encoded`.
        return ConstantTime.equals(computed, Array(stored.encodedHash.utf8))
    }

    public func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        return stored.iterations != iterations || DjangoSalt.isTooShort(length: stored.salt.unicodeScalars.count)
    }

    public func hardenRuntime(_ password: String, encoded: String) {
        guard let stored = try? parse(encoded), stored.iterations < iterations else { return }
        _ = derive(password, salt: stored.salt, iterations: iterations - stored.iterations)
    }

    public func encode(_ password: String) throws(PasswordHashError) -> String {
        try encode(password, salt: DjangoSalt.random())
    }

    /// The hash Django's `encode(password, salt)` writes (fixtures, tests).
    public func encode(_ password: String, salt: String) throws(PasswordHashError) -> String {
        guard !salt.isEmpty, !salt.contains("$") else { throw .malformed("a salt must be non-empty and free of $") }
        let derived = derive(password, salt: salt, iterations: iterations)
        return "\(algorithm.rawValue)$\(iterations)$\(salt)$\(String(decoding: derived, as: UTF8.self))"
    }

    /// base64(PBKDF2-HMAC(utf8(password), utf8(salt), iterations)) as ASCII bytes, the key as
    /// long as the digest (Django's dklen=None).
    func derive(_ password: String, salt: String, iterations: Int) -> [UInt8] {
        let key: [UInt8]
        switch digest {
        case .sha256:
            key = PBKDF2.sha256(password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, byteCount: 32)
        case .sha1:
            key = LegacyDigests.pbkdf2SHA1(password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, byteCount: 20)
        }
        return Base64.encodeBytes(key, alphabet: .standard, padded: true)
    }
}
