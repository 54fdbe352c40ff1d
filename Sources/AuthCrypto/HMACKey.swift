// HMAC-SHA2 with the key's inner and outer pad blocks hashed once, at key set-up.
internal import COpenSSL

/// An HMAC key ready to authenticate many messages (RFC 2104).
///
/// HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The two pad blocks depend only on the key,
/// so their compressed SHA-2 states are computed here once; each MAC then starts from copies of
/// them. That halves the compression work for a short JWT and skips OpenSSL 3's per-call
/// provider fetch and context allocation, which dominate the cost of `HMAC()` on small inputs.
/// The value is immutable after init, so one key can be shared by every thread.
public struct HMACKey: @unchecked Sendable {
    // @unchecked: SHA256_CTX/SHA512_CTX are plain C structs (arrays of integers), copied by value.
    enum Pads {
        case sha256(inner: SHA256_CTX, outer: SHA256_CTX)
        case sha512(inner: SHA512_CTX, outer: SHA512_CTX, truncatedTo: Int)
    }

    let pads: Pads
    public let digest: DigestAlgorithm

    /// Size of the MAC in bytes (the digest size).
    public var macByteCount: Int { digest.byteCount }

    public init(_ key: [UInt8], digest: DigestAlgorithm) {
        self.digest = digest
        let blockSize = digest == .sha256 ? 64 : 128
        // RFC 2104: a key longer than the block is replaced by its hash; shorter keys are zero-padded.
        var block = key.count > blockSize ? digest.hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let ipad = block.map { $0 ^ 0x36 }
        let opad = block.map { $0 ^ 0x5c }
        switch digest {
        case .sha256:
            var inner = SHA256_CTX(), outer = SHA256_CTX()
            SHA256_Init(&inner)
            SHA256_Update(&inner, ipad, ipad.count)
            SHA256_Init(&outer)
            SHA256_Update(&outer, opad, opad.count)
            pads = .sha256(inner: inner, outer: outer)
        case .sha384, .sha512:
            var inner = SHA512_CTX(), outer = SHA512_CTX()
            if digest == .sha384 {
                SHA384_Init(&inner)
                SHA384_Init(&outer)
            } else {
                SHA512_Init(&inner)
                SHA512_Init(&outer)
            }
            SHA512_Update(&inner, ipad, ipad.count)
            SHA512_Update(&outer, opad, opad.count)
            pads = .sha512(inner: inner, outer: outer, truncatedTo: digest.byteCount)
        }
    }

    /// Writes the MAC of `message` to `out`, which must hold `macByteCount` bytes.
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= macByteCount)
        let result = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch pads {
        case .sha256(var inner, var outer):
            var innerHash = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &innerHash) { ih in
                let ihp = ih.baseAddress!.assumingMemoryBound(to: UInt8.self)
                SHA256_Update(&inner, message.baseAddress, message.count)
                SHA256_Final(ihp, &inner)
                SHA256_Update(&outer, ihp, 32)
                SHA256_Final(result, &outer)
            }
        case .sha512(var inner, var outer, let size):
            // SHA384_Final and SHA512_Final differ only in how many state words they output.
            var innerHash = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            var full = innerHash
            withUnsafeMutableBytes(of: &innerHash) { ih in
                let ihp = ih.baseAddress!.assumingMemoryBound(to: UInt8.self)
                SHA512_Update(&inner, message.baseAddress, message.count)
                SHA512_Final(ihp, &inner)
                SHA512_Update(&outer, ihp, size)
                withUnsafeMutableBytes(of: &full) { f in
                    SHA512_Final(f.baseAddress!.assumingMemoryBound(to: UInt8.self), &outer)
                    result.update(from: f.baseAddress!.assumingMemoryBound(to: UInt8.self), count: size)
                }
            }
        }
    }

    /// The MAC of `message`.
    public func authenticate(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: macByteCount) { buffer, initialized in
            authenticate(message, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = macByteCount
        }
    }

    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { authenticate($0) }
    }

    /// True when `mac` is the MAC of `message`, compared in constant time.
    public func isValid(mac: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        guard mac.count == macByteCount else { return false }
        var expected = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &expected) { buffer in
            authenticate(message, into: buffer)
            return ConstantTime.equals(UnsafeRawBufferPointer(rebasing: buffer[0..<macByteCount]), mac)
        }
    }
}

/// OpenSSL's own one-shot HMAC, kept as the reference the tests and benchmark compare against.
public enum OpenSSLHMAC {
    public static func authenticate(key: [UInt8], message: UnsafeRawBufferPointer, digest: DigestAlgorithm) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            _ = HMAC(
                digest.evpMD, k.baseAddress, Int32(k.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                message.count, &out, &length)
        }
        return Array(out[0..<Int(length)])
    }
}
