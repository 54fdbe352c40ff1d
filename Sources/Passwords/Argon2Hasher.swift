// Django's Argon2PasswordHasher: "argon2" + the PHC string of argon2-cffi, verified and made with
// libargon2 (the same reference code argon2-cffi bundles).
import AuthCrypto
import CArgon2

public struct Argon2Hasher: DjangoHasher {
    /// Django 5.2's parameters: argon2id 1.3, t=2, m=102400 KiB (100 MiB), p=8, 32-byte hash.
    public static let passes: UInt32 = 2, memoryKiB: UInt32 = 102_400, lanes: UInt32 = 8, hashLength = 32
    /// Memory above this is refused: each check holds it for its whole run, so a worker's
    /// largest allocation is 1 GiB (ten times Django's).
    public static let maximumMemoryKiB: UInt64 = 1 << 20
    /// Memory times passes above this is refused (4 GiB·passes: twenty times Django's 200 MiB·2,
    /// about 4 s on one core).
    public static let maximumWork: UInt64 = 1 << 22

    public init() {}

    public var algorithm: HasherAlgorithm { .argon2 }

    func parse(_ encoded: String) throws(PasswordHashError) -> Argon2Hash {
        guard encoded.hasPrefix("argon2$") else { throw .malformed("expected argon2$") }
        let stored = try Argon2Hash(parsing: encoded.dropFirst("argon2".count))
        guard UInt64(stored.memoryKiB) <= Self.maximumMemoryKiB else { throw .aboveLimit("m above \(Self.maximumMemoryKiB) KiB") }
        guard UInt64(stored.memoryKiB) * UInt64(stored.passes) <= Self.maximumWork else {
            throw .aboveLimit("m·t above \(Self.maximumWork)")
        }
        return stored
    }

    public func verify(_ password: String, encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        let computed = try derive(password, salt: stored.salt, like: stored)
        return ConstantTime.equals(computed, stored.hash)
    }

    /// Django compares argon2-cffi's Parameters (variant, version, t, m, p, hash length; not the
    /// salt length) with its own, and checks the salt's length.
    public func mustUpdate(_ encoded: String) throws(PasswordHashError) -> Bool {
        let stored = try parse(encoded)
        return stored.variant != .argon2id || stored.version != 0x13 || stored.passes != Self.passes
            || stored.memoryKiB != Self.memoryKiB || stored.lanes != Self.lanes || stored.hash.count != Self.hashLength
            || DjangoSalt.isTooShort(length: stored.salt.count)
    }

    /// Django's does nothing for argon2 ("too complicated to implement a sensible hardening").
    public func hardenRuntime(_ password: String, encoded: String) {}

    public func encode(_ password: String) throws(PasswordHashError) -> String {
        try encode(password, salt: DjangoSalt.random())
    }

    /// Django's `encode(password, salt)`: the salt's UTF-8 bytes, Django's parameters.
    public func encode(_ password: String, salt: String) throws(PasswordHashError) -> String {
        let shape = Argon2Hash(
            variant: .argon2id, version: 0x13, memoryKiB: Self.memoryKiB, passes: Self.passes, lanes: Self.lanes,
            salt: Array(salt.utf8), hash: [UInt8](repeating: 0, count: Self.hashLength))
        let hash = try derive(password, salt: shape.salt, like: shape)
        return "argon2" + Argon2Hash(
            variant: shape.variant, version: shape.version, memoryKiB: shape.memoryKiB, passes: shape.passes, lanes: shape.lanes,
            salt: shape.salt, hash: hash
        ).encoded
    }

    /// argon2_ctx with the parameters (and hash length) of `shape`, on this thread alone.
    ///
    /// Why not argon2_verify on the string: it runs one thread per lane (8 for Django's
    /// hashes), so a worker would become eight threads and the pool's size would no longer
    /// bound the CPU. The lanes, not the threads, decide the result, which is the same.
    func derive(_ password: String, salt: [UInt8], like shape: Argon2Hash) throws(PasswordHashError) -> [UInt8] {
        var pwd = Array(password.utf8)
        var saltBytes = salt
        var out = [UInt8](repeating: 0, count: shape.hash.count)
        let type: argon2_type =
            switch shape.variant {
            case .argon2d: Argon2_d
            case .argon2i: Argon2_i
            case .argon2id: Argon2_id
            }
        let status = pwd.withUnsafeMutableBufferPointer { p in
            saltBytes.withUnsafeMutableBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    var context = argon2_context(
                        out: o.baseAddress, outlen: UInt32(o.count), pwd: p.baseAddress, pwdlen: UInt32(p.count),
                        salt: s.baseAddress, saltlen: UInt32(s.count), secret: nil, secretlen: 0, ad: nil, adlen: 0,
                        t_cost: shape.passes, m_cost: shape.memoryKiB, lanes: shape.lanes, threads: 1, version: shape.version,
                        allocate_cbk: nil, free_cbk: nil, flags: 0)  // ARGON2_DEFAULT_FLAGS: the password is left as it is
                    return argon2_ctx(&context, type)
                }
            }
        }
        guard status == ARGON2_OK.rawValue else {
            // The parameter checks of libargon2's validate_inputs (salt under 8 bytes, hash
            // under 4, m under 8 per lane, ...): argon2-cffi raises VerificationError, which
            // Django answers as a wrong password.
            throw .malformed("libargon2: " + String(cString: argon2_error_message(status)))
        }
        return out
    }
}
