// Django's ScryptPasswordHasher: scrypt$<N>$<salt>$<r>$<p>$<base64 of a 64-byte key>, through
// OpenSSL's EVP_PBE_scrypt.
import AuthCrypto

public struct ScryptHasher: DjangoHasher {
    /// Django 5.2's parameters: N = 2^14, r = 8, p = 5 (about 16 MiB and 50 ms per check).
    public static let workFactor = 1 << 14, blockSize = 8, parallelism = 5
    /// N·r·p above this is refused (25.6 times Django's 655,360; about 1.5 s on one core).
    /// Memory needs no limit of authd's: OpenSSL refuses more than 32 MiB, as it does for Django
    /// (hashlib.scrypt with maxmem=0), so such hashes fail on both.
    public static let maximumWork: UInt64 = 1 << 24

    public init() {}

    public var algorithm: HasherAlgorithm { .scrypt }

    struct Parsed {
        let n: Int, r: Int, p: Int
        let salt: Substring, hash: Substring
    }

    func parse(_ encoded: String) throws(PasswordHashError) -> Parsed {
        // Django's decode: split("$", 6) unpacked into exactly six fields.
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt" else { throw .malformed("expected scrypt$N$salt$r$p$hash") }
        guard let n = canonicalDecimal(parts[1]), let r = canonicalDecimal(parts[3]), let p = canonicalDecimal(parts[4]),
            n >= 1, r >= 1, p >= 1
        else { throw .malformed("N, r and p must be canonical positive decimal integers") }
        guard !parts[2].isEmpty else { throw .malformed("empty salt") }
        let (nr, o1) = UInt64(n).multipliedReportingOverflow(by: UInt64(r))
        let (work, o2) = nr.multipliedReportingOverflow(by: UInt64(p))
        guard !o1, !o2, work <= Self.maximumWork else { throw .aboveLimit("N·r·p above \(Self.maximumWork)") }
        return Parsed(n: n, r: r, p: p, salt: parts[2], hash: parts[5])
    }

    public func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        // Python's hashlib.scrypt raises (and so Django) where OpenSSL refuses: N not a power of
        // two above 1, or over 32 MiB.
        guard let computed = derive(password, salt: stored.salt, n: stored.n, r: stored.r, p: stored.p) else {
            throw .malformed("OpenSSL refuses these scrypt parameters")
        }
        return ConstantTime.equals(computed, Array(stored.hash.utf8))
    }

    public func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        return stored.n != Self.workFactor || stored.r != Self.blockSize || stored.p != Self.parallelism
    }

    public func hardenRuntime(_ password: String, encoded: String) {}

    public func encode(_ password: String) throws(PasswordHashError) -> String {
        try encode(password, salt: DjangoSalt.random())
    }

    public func encode(_ password: String, salt: String) throws(PasswordHashError) -> String {
        guard !salt.isEmpty, !salt.contains("$") else { throw .malformed("a salt must be non-empty and free of $") }
        guard let key = derive(password, salt: Substring(salt), n: Self.workFactor, r: Self.blockSize, p: Self.parallelism) else {
            throw .hashingFailed("EVP_PBE_scrypt failed")
        }
        return "scrypt$\(Self.workFactor)$\(salt)$\(Self.blockSize)$\(Self.parallelism)$\(String(decoding: key, as: UTF8.self))"
    }

    /// base64 (padded) of the 64-byte key, as ASCII bytes.
    func derive(_ password: String, salt: Substring, n: Int, r: Int, p: Int) -> [UInt8]? {
        Scrypt.derive(password: Array(password.utf8), salt: Array(salt.utf8), n: UInt64(n), r: UInt64(r), p: UInt64(p), byteCount: 64)
            .map { Base64.encodeBytes($0, alphabet: .standard, padded: true) }
    }
}
