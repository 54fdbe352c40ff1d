// Random bytes from OpenSSL's DRBG (per-thread in OpenSSL 3, safe from any thread).
internal import COpenSSL

public enum SecureRandom {
    /// `count` random bytes. A failing generator is an error, never a weaker fallback.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        guard ok == 1 else { throw CryptoError.fromOpenSSL(.randomFailed, "RAND_bytes") }
        return out
    }
}
