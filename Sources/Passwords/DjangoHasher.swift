// What every Django password hasher provides: the parts of Django's BasePasswordHasher that a
// login and `make_password` use.

/// One of Django 5.2's password hashers, with Django's default parameters.
///
/// Every method does the work Django's does with the same stored string, so answers agree with
/// Django's `check_password` and timing follows it; the heavy ones (verify, encode,
/// hardenRuntime) run on worker threads, never on an event loop.
public protocol DjangoHasher: Sendable {
    var algorithm: HasherAlgorithm { get }
    /// Django's `verify(password, encoded)`: true when `password` matches. Throws where Django
    /// answers False without hashing, raises, or where the hash is over authd's limits.
    func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool
    /// Django's `must_update(encoded)` for this hasher as configured: the stored parameters
    /// differ from the ones new hashes get, or its salt is too short.
    func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool
    /// Django's `harden_runtime`: after a wrong password on a hash weaker than configured, the
    /// missing work, so the answer's timing does not reveal the stored cost.
    func hardenRuntime(_ password: String, encoded: String)
    /// Django's `make_password(password)`: a new hash with a fresh random salt.
    func encode(_ password: String) throws(PasswordHashError) -> String
}

/// The hashers Django 5.2 ships that take a salt (its unsalted MD5 and SHA-1 ones were removed in
/// Django 5.1), by the algorithm name that starts their stored hashes.
public enum HasherAlgorithm: String, Sendable, CaseIterable {
    case pbkdf2SHA256 = "pbkdf2_sha256"
    case pbkdf2SHA1 = "pbkdf2_sha1"
    case argon2
    case bcryptSHA256 = "bcrypt_sha256"
    case bcrypt
    case scrypt
    case md5

    /// Django 5.2's PASSWORD_HASHERS default (global_settings.py).
    public static let djangoDefault: [HasherAlgorithm] = [.pbkdf2SHA256, .pbkdf2SHA1, .argon2, .bcryptSHA256, .scrypt]

    /// The class name in `django.contrib.auth.hashers`.
    public var djangoClassName: String {
        switch self {
        case .pbkdf2SHA256: "PBKDF2PasswordHasher"
        case .pbkdf2SHA1: "PBKDF2SHA1PasswordHasher"
        case .argon2: "Argon2PasswordHasher"
        case .bcryptSHA256: "BCryptSHA256PasswordHasher"
        case .bcrypt: "BCryptPasswordHasher"
        case .scrypt: "ScryptPasswordHasher"
        case .md5: "MD5PasswordHasher"
        }
    }

    /// An entry of Django's PASSWORD_HASHERS as a settings file writes it
    /// (`django.contrib.auth.hashers.Argon2PasswordHasher`), or the algorithm's name (`argon2`).
    public init?(setting: String) {
        let prefix = "django.contrib.auth.hashers."
        if setting.hasPrefix(prefix) {
            let name = setting.dropFirst(prefix.count)
            guard let found = Self.allCases.first(where: { $0.djangoClassName == name }) else { return nil }
            self = found
        } else {
            self.init(rawValue: setting)
        }
    }
}
