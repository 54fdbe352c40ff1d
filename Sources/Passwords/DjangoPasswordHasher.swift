// Verifies and creates Django-compatible PBKDF2-SHA256 password hashes.
public import AuthCrypto

/// Django's `PBKDF2PasswordHasher`, bit for bit: hashes made by Django verify here and the
/// reverse. Every call costs `iterations` rounds of PBKDF2 (about half a second at Django 5.2's
/// 1,000,000 on one core), so callers run it on a worker thread, never on an event loop.
public struct DjangoPasswordHasher: Sendable {
    /// Django 5.2's default.
    public static let defaultIterations = 1_000_000

    /// Iterations for new hashes; stored hashes with fewer should be upgraded.
    public let iterations: Int

    public init(iterations: Int = DjangoPasswordHasher.defaultIterations) {
        precondition(iterations >= 1 && iterations <= DjangoPasswordHash.maximumIterations)
        self.iterations = iterations
    }

    /// True when `password` matches `encoded`. The comparison of the derived key is constant-time.
    public func verify(_ password: String, against encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try DjangoPasswordHash(parsing: encoded)
        let computed = Self.derive(password, salt: stored.salt, iterations: stored.iterations)
        // Django compares the whole re-encoded string; comparing the base64 of the derived key
        // is the same test, since the other parts were just parsed from `encoded`.
        return ConstantTime.equals(computed, Array(stored.encodedHash.utf8))
    }

    /// Django's `check_password` for a login, at a cost that does not depend on the stored hash:
    /// an unusable (`!...`), foreign or malformed hash costs a full dummy verification instead
    /// of failing at once, and a hash with fewer iterations than configured is topped up with
    /// the difference (Django's `harden_runtime`). So timing tells nothing about the account.
    public func check(_ password: String, against encoded: String) -> Bool {
        guard let stored = try? DjangoPasswordHash(parsing: encoded) else {
            performDummyVerification(password)
            return false
        }
        let computed = Self.derive(password, salt: stored.salt, iterations: stored.iterations)
        if stored.iterations < iterations {
            _ = Self.derive(password, salt: stored.salt, iterations: iterations - stored.iterations)
        }
        return ConstantTime.equals(computed, Array(stored.encodedHash.utf8))
    }

    /// Spends the same work as a `verify` at the configured iterations, with no answer. Used
    /// for unknown usernames so their response time does not reveal that the user is absent.
    public func performDummyVerification(_ password: String) {
        _ = Self.derive(password, salt: "authdDummySaltForTiming", iterations: iterations)
    }

    /// A new hash of `password` with a random 22-character salt (Django's length and alphabet,
    /// about 131 bits), or with `salt` when given (tests and fixtures).
    public func hash(_ password: String, salt givenSalt: String? = nil) throws(CryptoError) -> String {
        let salt: String
        if let givenSalt { salt = givenSalt } else { salt = try Self.randomSalt() }
        precondition(!salt.isEmpty && !salt.contains("$"), "a salt must be non-empty and free of $")
        let derived = Self.derive(password, salt: salt, iterations: iterations)
        return DjangoPasswordHash(iterations: iterations, salt: salt, encodedHash: String(decoding: derived, as: UTF8.self)).encoded
    }

    /// True when `encoded` should be replaced by a new hash after a successful login: it has
    /// fewer iterations than configured. (Django upgrades on any difference; authd never lowers.)
    public func needsUpgrade(_ encoded: String) throws(PasswordHashError) -> Bool {
        try DjangoPasswordHash(parsing: encoded).iterations < iterations
    }

    /// base64(PBKDF2-HMAC-SHA256(utf8(password), utf8(salt), iterations, 32)) as ASCII bytes.
    static func derive(_ password: String, salt: String, iterations: Int) -> [UInt8] {
        let key = PBKDF2.sha256(password: Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, byteCount: 32)
        return Base64.encodeBytes(key, alphabet: .standard, padded: true)
    }

    private static let saltAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    private static func randomSalt() throws(CryptoError) -> String {
        var salt = [UInt8]()
        while salt.count < 22 {
            // Rejection sampling keeps every character equally likely: 62 * 4 = 248 < 256.
            for byte in try SecureRandom.bytes(32) where byte < 248 && salt.count < 22 {
                salt.append(saltAlphabet[Int(byte) % 62])
            }
        }
        return String(decoding: salt, as: UTF8.self)
    }
}
