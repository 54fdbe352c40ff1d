// The SHA-2 digests JWS uses, fetched from OpenSSL once per process.
internal import COpenSSL

/// A SHA-2 digest. The EVP_MD objects are fetched once: OpenSSL 3's implicit fetch inside
/// convenience calls such as EVP_sha256() costs a lock and a lookup on every call.
public enum DigestAlgorithm: Sendable, Hashable, CaseIterable {
    case sha256, sha384, sha512

    /// Output size in bytes.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var evpMD: OpaquePointer {
        switch self {
        case .sha256: fetchedSHA256
        case .sha384: fetchedSHA384
        case .sha512: fetchedSHA512
        }
    }

    /// One-shot digest of `bytes`.
    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                EVP_Digest(
                    input.baseAddress, input.count, output.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    &length, evpMD, nil)
            }
        }
        precondition(ok == 1 && Int(length) == byteCount, "EVP_Digest failed for a fetched SHA-2 digest")
        return out
    }
}

// Fetched at first use (Swift globals are initialised once, thread-safely) and never freed.
// EVP_MD objects are immutable after the fetch, so sharing them across threads is safe.
private nonisolated(unsafe) let fetchedSHA256 = fetchDigest("SHA256")
private nonisolated(unsafe) let fetchedSHA384 = fetchDigest("SHA384")
private nonisolated(unsafe) let fetchedSHA512 = fetchDigest("SHA512")

private func fetchDigest(_ name: String) -> OpaquePointer {
    guard let md = EVP_MD_fetch(nil, name, nil) else {
        fatalError("OpenSSL has no \(name) digest: the libcrypto installation is broken")
    }
    return md
}
