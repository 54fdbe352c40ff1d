// Django's BCryptSHA256PasswordHasher (bcrypt_sha256$$2b$12$...: bcrypt over the hex SHA-256 of
// the password) and BCryptPasswordHasher (bcrypt$$2b$12$...: the raw password), through
// libxcrypt's crypt_rn.
import AuthCrypto
import CCrypt
import Glibc

public struct BCryptHasher: DjangoHasher {
    /// Django 5.2's cost (2^12 rounds, about 0.25 s).
    public static let rounds = 12
    /// Costs above this are refused: each step doubles the work (16: 16 times Django's, about 4 s).
    public static let maximumRounds = 16

    /// True: Django's bcrypt_sha256, which feeds bcrypt hex(sha256(password)) so that long
    /// passwords are not cut at bcrypt's 72 bytes. False: plain bcrypt.
    public let prehash: Bool

    public init(prehash: Bool = true) {
        self.prehash = prehash
    }

    public var algorithm: HasherAlgorithm { prehash ? .bcryptSHA256 : .bcrypt }

    /// The bcrypt string after "<algorithm>$" and its cost. Python's bcrypt (what Django calls)
    /// re-encodes `$2a$`, `$2b$`, `$2x$` and `$2y$` settings alike, keeping the prefix; anything
    /// but that prefix, a two-digit cost and 53 bcrypt-base64 characters never compares equal.
    func parse(_ encoded: String) throws(PasswordHashError) -> (data: [UInt8], rounds: Int) {
        let prefix = algorithm.rawValue + "$"
        guard encoded.hasPrefix(prefix) else { throw .malformed("expected \(prefix)") }
        let data = Array(encoded.utf8.dropFirst(prefix.utf8.count))
        guard data.count == 60, data[0] == UInt8(ascii: "$"), data[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "x"), UInt8(ascii: "y")].contains(data[2]),
            data[3] == UInt8(ascii: "$"), data[6] == UInt8(ascii: "$"),
            let rounds = canonicalTwoDigits(data[4], data[5]),
            data[7...].allSatisfy(Self.isBcryptBase64)
        else { throw .malformed("expected $2b$NN$ and 53 characters") }
        guard rounds >= 4 else { throw .malformed("cost below 4") }
        guard rounds <= Self.maximumRounds else { throw .aboveLimit("cost above \(Self.maximumRounds)") }
        return (data, rounds)
    }

    public func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        let computed = try crypt(phrase(password), setting: stored.data)
        return ConstantTime.equals(computed, stored.data)
    }

    public func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool {
        try parse(encoded).rounds != Self.rounds
    }

    /// Django's: 2^(12 − cost) − 1 more hashes at the stored cost.
    public func hardenRuntime(_ password: String, encoded: String) {
        guard let stored = try? parse(encoded), stored.rounds < Self.rounds, let phrase = try? phrase(password) else { return }
        for _ in 0..<((1 << (Self.rounds - stored.rounds)) - 1) {
            _ = try? crypt(phrase, setting: stored.data)
        }
    }

    public func encode(_ password: String) throws(PasswordHashError) -> String {
        // bcrypt.gensalt(12) in Django: "$2b$12$" and 16 random bytes, here from libxcrypt's
        // own generator (the kernel's getrandom).
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$2b$", UInt(Self.rounds), nil, 0, &setting, Int32(setting.count)) != nil else {
            throw .hashingFailed("crypt_gensalt_rn failed")
        }
        let salt = setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return try encode(password, setting: salt)
    }

    /// The hash Django's `encode(password, salt)` writes for a bcrypt setting ("$2b$12$" and 22
    /// characters, or a whole stored bcrypt string).
    public func encode(_ password: String, setting: [UInt8]) throws(PasswordHashError) -> String {
        let computed = try crypt(phrase(password), setting: setting)
        return algorithm.rawValue + "$" + String(decoding: computed, as: UTF8.self)
    }

    /// What bcrypt hashes, NUL-terminated for crypt_rn.
    func phrase(_ password: String) throws(PasswordHashError) -> [CChar] {
        var bytes = Array(password.utf8)
        if prehash {
            let hex = Array("0123456789abcdef".utf8)
            bytes = DigestAlgorithm.sha256.hash(bytes).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }
        } else {
            // Python's bcrypt 5 raises ValueError above 72 bytes (so a Django login fails with
            // 500); libxcrypt would silently use the first 72.
            guard bytes.count <= 72 else { throw .passwordNotSupported("over 72 bytes") }
            // Python's bcrypt hashes the bytes after a NUL too; a C string cannot carry them.
            guard !bytes.contains(0) else { throw .passwordNotSupported("contains a NUL byte") }
        }
        return bytes.map { CChar(bitPattern: $0) } + [0]
    }

    /// crypt_rn's 60-byte answer, computed with a `$2b$` setting and given back with the setting's
    /// own prefix: Python's bcrypt computes every variant as `$2b$` (libxcrypt's `$2x$` keeps an
    /// old sign-extension bug for 8-bit passwords, which Python's does not).
    func crypt(_ phrase: [CChar], setting: [UInt8]) throws(PasswordHashError) -> [UInt8] {
        guard setting.count >= 29 else { throw .malformed("bcrypt setting too short") }
        var cSetting = Array("$2b$".utf8) + setting[4..<29]
        cSetting.append(0)
        let data = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<crypt_data>.size, alignment: MemoryLayout<crypt_data>.alignment)
        defer { data.deallocate() }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
        let output = cSetting.withUnsafeBufferPointer { s in
            s.withMemoryRebound(to: CChar.self) { crypt_rn(phrase, $0.baseAddress, data, Int32(MemoryLayout<crypt_data>.size)) }
        }
        guard let output else { throw .malformed("libxcrypt refuses this bcrypt setting") }
        let bytes = Array(UnsafeBufferPointer(start: output, count: strlen(output))).map { UInt8(bitPattern: $0) }
        guard bytes.count == 60 else { throw .hashingFailed("crypt_rn answered \(bytes.count) bytes") }
        return Array(setting[0..<4]) + bytes[4...]
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
    }

    private func canonicalTwoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
        guard (0x30...0x39).contains(a), (0x30...0x39).contains(b) else { return nil }
        return Int(a - 0x30) * 10 + Int(b - 0x30)
    }
}
