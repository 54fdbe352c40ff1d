// The text form Django stores in auth_user.password: pbkdf2_sha256$<iterations>$<salt>$<base64>.

/// A parsed `pbkdf2_sha256` hash string.
public struct DjangoPasswordHash: Sendable, Equatable {
    public static let algorithm = "pbkdf2_sha256"
    /// Work beyond this is refused rather than performed: a hash row asking for more would tie
    /// up a worker for many seconds per login attempt.
    public static let maximumIterations = 50_000_000

    public let iterations: Int
    /// The salt exactly as stored; Django feeds its UTF-8 bytes (not a decoding) to PBKDF2.
    public let salt: String
    /// The stored base64 (standard alphabet, padded) of the 32-byte derived key.
    public let encodedHash: String

    /// Parses `encoded` as Django's `PBKDF2PasswordHasher` writes it.
    public init(parsing encoded: String) throws(PasswordHashError) {
        if encoded.hasPrefix("!") { throw PasswordHashError.unusablePassword }
        // Django splits with maxsplit=3: the salt cannot contain "$", the hash part is the rest.
        let parts = encoded.split(separator: "$", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw PasswordHashError.malformed("expected algorithm$iterations$salt$hash") }
        guard parts[0] == Self.algorithm else { throw PasswordHashError.unsupportedAlgorithm(String(parts[0].prefix(32))) }
        // Canonical decimal only: Django compares the whole re-encoded string, so "01000" or
        // "+1000" never match even with the right password.
        guard !parts[1].isEmpty, parts[1].count <= 9, parts[1].first != "0",
            parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let iterations = Int(parts[1])
        else { throw PasswordHashError.malformed("iterations is not a canonical positive decimal integer") }
        guard iterations <= Self.maximumIterations else {
            throw PasswordHashError.malformed("iterations above \(Self.maximumIterations)")
        }
        guard !parts[2].isEmpty else { throw PasswordHashError.malformed("empty salt") }
        guard parts[3].utf8.count == 44 else { throw PasswordHashError.malformed("hash is not 44 base64 characters") }
        self.iterations = iterations
        self.salt = String(parts[2])
        self.encodedHash = String(parts[3])
    }

    public init(iterations: Int, salt: String, encodedHash: String) {
        self.iterations = iterations
        self.salt = salt
        self.encodedHash = encodedHash
    }

    /// The stored form.
    public var encoded: String { "\(Self.algorithm)$\(iterations)$\(salt)$\(encodedHash)" }
}

/// Why a stored hash cannot be checked. Never a crash: every string maps to one of these.
public enum PasswordHashError: Error, Sendable, Equatable {
    /// Django's "unusable password" marker (a leading "!"): no password matches it.
    case unusablePassword
    /// Another Django hasher (argon2, bcrypt_sha256, md5, ...), named in the value.
    case unsupportedAlgorithm(String)
    /// Not the pbkdf2_sha256 shape; the value says which part is wrong.
    case malformed(String)
}
