// MD5 and PBKDF2-HMAC-SHA1: weak primitives that only old Django hashes (md5, pbkdf2_sha1) need.
internal import COpenSSL

public enum LegacyDigests {
    /// MD5(bytes): Django's salted `md5` hasher is md5(salt + password).
    public static func md5(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        var size: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &out, &size, EVP_md5(), nil) }
        precondition(ok == 1 && size == 16, "EVP_Digest(MD5) failed")
        return out
    }

    /// PBKDF2-HMAC-SHA1 through OpenSSL's PKCS5_PBKDF2_HMAC (Django's `pbkdf2_sha1`).
    public static func pbkdf2SHA1(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int) -> [UInt8] {
        precondition(iterations >= 1 && iterations <= Int(Int32.max))
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = password.withUnsafeBytes { p in
            salt.withUnsafeBytes { s in
                PKCS5_PBKDF2_HMAC(
                    p.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(p.count),
                    s.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(s.count),
                    Int32(iterations), EVP_sha1(), Int32(byteCount), &out)
            }
        }
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC(SHA-1) failed")
        return out
    }
}
