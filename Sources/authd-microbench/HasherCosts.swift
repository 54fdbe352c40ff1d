// The cost of one hash of each Django hasher at Django 5.2's parameters, as the bare library call
// on one thread: what bench/run divides the cores by to get the login rate hashing allows.
import AuthCrypto
import CArgon2
import CCrypt

enum HasherCosts {
    /// (algorithm, nanoseconds per hash), each the best of three rounds.
    static func measureAll() -> [(String, Double)] {
        let password = Array("correct horse battery staple".utf8)
        let salt = Array("AbCdEfGhIjKlMnOpQrStUv".utf8)
        var results: [(String, Double)] = []
        results.append(("pbkdf2_sha256", measure(1, rounds: 3) {
            _ = PBKDF2.sha256(password: password, salt: salt, iterations: 1_000_000, byteCount: 32)
        }))
        results.append(("pbkdf2_sha1", measure(1, rounds: 3) {
            _ = LegacyDigests.pbkdf2SHA1(password: password, salt: salt, iterations: 1_000_000, byteCount: 20)
        }))
        results.append(("argon2", measure(1, rounds: 3) { argon2id(password, salt) }))
        let bcrypt = measure(1, rounds: 3) { bcrypt12(password) }
        results.append(("bcrypt_sha256", bcrypt))
        results.append(("bcrypt", bcrypt))
        results.append(("scrypt", measure(2, rounds: 3) {
            _ = Scrypt.derive(password: password, salt: salt, n: 16384, r: 8, p: 5, byteCount: 64)
        }))
        results.append(("md5", measure(100_000, rounds: 3) { _ = LegacyDigests.md5(salt + password) }))
        return results
    }

    /// argon2id, m=102400, t=2, p=8, one thread (as authd runs it).
    private static func argon2id(_ password: [UInt8], _ salt: [UInt8]) {
        var pwd = password
        var saltBytes = salt
        var out = [UInt8](repeating: 0, count: 32)
        let status = pwd.withUnsafeMutableBufferPointer { p in
            saltBytes.withUnsafeMutableBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    var context = argon2_context(
                        out: o.baseAddress, outlen: 32, pwd: p.baseAddress, pwdlen: UInt32(p.count), salt: s.baseAddress,
                        saltlen: UInt32(s.count), secret: nil, secretlen: 0, ad: nil, adlen: 0, t_cost: 2, m_cost: 102_400,
                        lanes: 8, threads: 1, version: 0x13, allocate_cbk: nil, free_cbk: nil, flags: 0)
                    return argon2_ctx(&context, Argon2_id)
                }
            }
        }
        precondition(status == ARGON2_OK.rawValue)
    }

    /// crypt_rn at cost 12 (the 64 hex characters bcrypt_sha256 feeds it cost the same).
    private static func bcrypt12(_ password: [UInt8]) {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        defer { data.deallocate() }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        precondition(crypt_rn(phrase, "$2b$12$R9h/cIPz0gi.URNNX3kh2O", data, Int32(size)) != nil)
    }
}
