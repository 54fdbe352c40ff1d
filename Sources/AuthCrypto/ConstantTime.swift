// Comparison of secrets in time that does not depend on where they differ.
internal import COpenSSL

public enum ConstantTime {
    /// True when both buffers hold the same bytes. Lengths are public (a MAC's length is fixed by
    /// its algorithm), so a length mismatch returns early; the contents are compared with
    /// CRYPTO_memcmp, which reads every byte.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
    }

    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in equals(pa, pb) } }
    }
}
