// Django's PASSWORD_HASHERS at work: identify_hasher, check_password (with must_update and
// harden_runtime), make_password with the first hasher, and ModelBackend's dummy hash.

/// What a login learned from the stored hash.
public struct PasswordCheck: Sendable, Equatable {
    public let matched: Bool
    /// Django would save a new hash made by the preferred hasher (only acted on when matched).
    public let mustUpdate: Bool

    public static let refused = PasswordCheck(matched: false, mustUpdate: false)

    public init(matched: Bool, mustUpdate: Bool) {
        self.matched = matched
        self.mustUpdate = mustUpdate
    }
}

/// The configured hashers, the first preferred: new hashes are made with it, and a stored hash
/// of another hasher, or of it with other parameters, is replaced at the next successful login.
public struct PasswordHashers: Sendable {
    public let hashers: [any DjangoHasher]

    public var preferred: any DjangoHasher { hashers[0] }

    /// `algorithms` in Django's order (duplicates are harmless, as in Django);
    /// `pbkdf2Iterations` is both PBKDF2 hashers' work factor.
    public init(_ algorithms: [HasherAlgorithm] = HasherAlgorithm.djangoDefault, pbkdf2Iterations: Int = PBKDF2Hasher.defaultIterations) {
        precondition(!algorithms.isEmpty, "PASSWORD_HASHERS must not be empty")
        hashers = algorithms.map { algorithm -> any DjangoHasher in
            switch algorithm {
            case .pbkdf2SHA256: PBKDF2Hasher(digest: .sha256, iterations: pbkdf2Iterations)
            case .pbkdf2SHA1: PBKDF2Hasher(digest: .sha1, iterations: pbkdf2Iterations)
            case .argon2: Argon2Hasher()
            case .bcryptSHA256: BCryptHasher(prehash: true)
            case .bcrypt: BCryptHasher(prehash: false)
            case .scrypt: ScryptHasher()
            case .md5: MD5Hasher()
            }
        }
    }

    /// Django's identify_hasher: the text before the first "$", except that a bare 32-character
    /// string and "md5$$" + 32 characters are "unsalted_md5", and "sha1$$" + 40 "unsalted_sha1",
    /// hashers Django 5.2 no longer has. Throws for a hasher that is not configured.
    public func identify(_ encoded: String) throws(PasswordHashError) -> any DjangoHasher {
        if encoded.hasPrefix("!") { throw .unusablePassword }
        let length = encoded.unicodeScalars.count
        let name: Substring
        if (length == 32 && !encoded.contains("$")) || (length == 37 && encoded.hasPrefix("md5$$")) {
            name = "unsalted_md5"
        } else if length == 46 && encoded.hasPrefix("sha1$$") {
            name = "unsalted_sha1"
        } else {
            name = encoded.prefix { $0 != "$" }
        }
        guard let hasher = hashers.first(where: { $0.algorithm.rawValue == name }) else {
            throw .unknownAlgorithm(String(name.prefix(32)))
        }
        return hasher
    }

    /// Django's `verify_password` (what `check_password` and so ModelBackend use), at a cost
    /// that tells nothing about the account: an unusable hash, one of a hasher not configured,
    /// or one Django could not read (where it would raise) costs a `make_password` with the
    /// preferred hasher instead; a wrong password on a hash of the preferred hasher that needs
    /// an update is topped up with `hardenRuntime`.
    public func check(_ password: String, against encoded: String) -> PasswordCheck {
        guard let hasher = try? identify(encoded) else {
            performDummyVerification(password)
            return .refused
        }
        let hasherChanged = hasher.algorithm != preferred.algorithm
        let mustUpdate: Bool
        if hasherChanged {
            mustUpdate = true
        } else if let update = try? preferred.mustUpdate(encoded) {
            mustUpdate = update
        } else {
            performDummyVerification(password)
            return .refused
        }
        guard let correct = try? hasher.verify(password, encoded: encoded) else {
            performDummyVerification(password)
            return .refused
        }
        if !correct && !hasherChanged && mustUpdate {
            hasher.hardenRuntime(password, encoded: encoded)
        }
        return PasswordCheck(matched: correct, mustUpdate: mustUpdate)
    }

    /// Django's `make_password(password)`: a new hash with the preferred hasher.
    public func make(_ password: String) throws(PasswordHashError) -> String {
        try preferred.encode(password)
    }

    /// ModelBackend's answer to an unknown username: `set_password` on a new user, that is one
    /// `make_password` with the preferred hasher, so the refusal costs what a real check costs.
    public func performDummyVerification(_ password: String) {
        _ = try? preferred.encode(password)
    }
}
