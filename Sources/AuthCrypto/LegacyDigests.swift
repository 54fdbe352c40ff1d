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
        PBKDF2.openSSL(password: password, salt: salt, iterations: iterations, byteCount: byteCount, digest: EVP_sha1())
    }
}
