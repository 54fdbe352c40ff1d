// scrypt (RFC 7914) through OpenSSL's EVP_PBE_scrypt, the KDF behind Django's ScryptPasswordHasher.
internal import COpenSSL

public enum Scrypt {
    /// OpenSSL's own ceiling when `maxmem` is 0, and so Python's `hashlib.scrypt(maxmem=0)`'s,
    /// which Django calls: 128·r·(N + 2) + 128·r·p bytes above it are refused, by Django and here.
    public static let defaultMemoryLimit = 32 << 20

    /// `byteCount` bytes of scrypt(password, salt, N, r, p), or nil when OpenSSL refuses the
    /// parameters (N not a power of two above 1, or more memory than `defaultMemoryLimit`).
    public static func derive(password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, byteCount: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = password.withUnsafeBytes { pw in
            salt.withUnsafeBytes { s in
                EVP_PBE_scrypt(
                    pw.baseAddress?.assumingMemoryBound(to: CChar.self), pw.count,
                    s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count,
                    n, r, p, 0, &out, byteCount)
            }
        }
        ERR_clear_error()
        return ok == 1 ? out : nil
    }
}
