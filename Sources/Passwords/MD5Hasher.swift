// Django's MD5PasswordHasher (opt-in, weak): md5$<salt>$<hex of md5(salt + password)>.
import AuthCrypto

public struct MD5Hasher: DjangoHasher {
    public init() {}

    public var algorithm: HasherAlgorithm { .md5 }

    func parse(_ encoded: String) throws(PasswordHashError) -> (salt: Substring, hash: Substring) {
        let parts = encoded.split(separator: "$", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "md5" else { throw .malformed("expected md5$salt$hash") }
        // Django raises on an empty salt ("salt must be provided").
        guard !parts[1].isEmpty else { throw .malformed("empty salt") }
        return (parts[1], parts[2])
    }

    public func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool {
        let (salt, hash) = try parse(encoded)
        return ConstantTime.equals(Array(digest(password, salt: salt).utf8), Array(hash.utf8))
    }

    public func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool {
        DjangoSalt.isTooShort(length: try parse(encoded).salt.unicodeScalars.count)
    }

    public func hardenRuntime(_ password: String, encoded: String) {}

    public func encode(_ password: String) throws(PasswordHashError) -> String {
        try encode(password, salt: DjangoSalt.random())
    }

    public func encode(_ password: String, salt: String) throws(PasswordHashError) -> String {
        guard !salt.isEmpty, !salt.contains("$") else { throw .malformed("a salt must be non-empty and free of $") }
        return "md5$\(salt)$\(digest(password, salt: Substring(salt)))"
    }

    /// Lower-case hex, as Python's hexdigest().
    func digest(_ password: String, salt: Substring) -> String {
        let hex = Array("0123456789abcdef".utf8)
        let sum = LegacyDigests.md5(Array(salt.utf8) + Array(password.utf8))
        return String(decoding: sum.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }
}
