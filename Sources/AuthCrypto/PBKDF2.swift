// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2), the key derivation behind Django's password hashes.
internal import COpenSSL

public enum PBKDF2 {
    /// Derives `byteCount` bytes from `password` and `salt` with HMAC-SHA256.
    ///
    /// Why not OpenSSL's PKCS5_PBKDF2_HMAC: through OpenSSL 3's providers it runs the full HMAC
    /// machinery on every iteration (context copies, buffering, final padding, four compression
    /// calls), about four times the work needed. Here the HMAC pad blocks are compressed once
    /// per password, and every iteration is exactly two SHA-256 block compressions on fixed,
    /// pre-padded blocks: U is always 32 bytes, so `U ‖ padding` is one 64-byte block whose
    /// tail never changes. The output is bit-identical to PKCS5_PBKDF2_HMAC (the tests check
    /// both against RFC and Wycheproof vectors and against each other).
    public static func sha256(
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, iterations: Int, byteCount: Int
    ) -> [UInt8] {
        precondition(iterations >= 1 && byteCount >= 1)
        let key = HMACKey(Array(password), digest: .sha256)
        guard case .sha256(let innerPad, let outerPad) = key.pads else { preconditionFailure() }

        var output = [UInt8]()
        output.reserveCapacity(byteCount + 32)
        // Message block for the inner hash: U (32 bytes), then 0x80, zeros, and the bit length
        // of pad block + U = (64 + 32) * 8 = 768. The outer hash's block has the same shape.
        var block = [UInt8](repeating: 0, count: 64)
        block[32] = 0x80
        block[62] = 0x03  // 768 = 0x0300, big-endian in the last 8 bytes
        var accumulator = [UInt32](repeating: 0, count: 8)

        var blockIndex: UInt32 = 1
        while output.count < byteCount {
            // U1 = HMAC(P, S ‖ INT(i)) is an ordinary HMAC over a variable-length message.
            var first = Array(salt)
            first += [UInt8(blockIndex >> 24), UInt8(blockIndex >> 16 & 0xff), UInt8(blockIndex >> 8 & 0xff), UInt8(blockIndex & 0xff)]
            let u1 = first.withUnsafeBytes { key.authenticate($0) }
            for i in 0..<32 { block[i] = u1[i] }
            for word in 0..<8 { accumulator[word] = loadBigEndian(u1, word) }

            block.withUnsafeMutableBufferPointer { blockPointer in
                let b = blockPointer.baseAddress!
                var inner = innerPad
                var outer = outerPad
                for _ in 1..<iterations {
                    // Inner: compress(ipad state, U ‖ pad) -> 32 bytes written back over U.
                    inner.h = innerPad.h
                    SHA256_Transform(&inner, b)
                    storeBigEndian(inner.h, into: b)
                    // Outer: compress(opad state, innerHash ‖ pad) -> the next U.
                    outer.h = outerPad.h
                    SHA256_Transform(&outer, b)
                    storeBigEndian(outer.h, into: b)
                    xorState(outer.h, into: &accumulator)
                }
            }
            for word in accumulator {
                output += [UInt8(word >> 24), UInt8(word >> 16 & 0xff), UInt8(word >> 8 & 0xff), UInt8(word & 0xff)]
            }
            blockIndex += 1
        }
        return Array(output[0..<byteCount])
    }

    public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int) -> [UInt8] {
        password.withUnsafeBytes { p in salt.withUnsafeBytes { s in sha256(password: p, salt: s, iterations: iterations, byteCount: byteCount) } }
    }

    /// OpenSSL's PKCS5_PBKDF2_HMAC with SHA-256: the reference for tests and the benchmark baseline.
    public static func openSSLReference(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int) -> [UInt8] {
        openSSL(password: password, salt: salt, iterations: iterations, byteCount: byteCount, digest: DigestAlgorithm.sha256.evpMD)
    }

    /// OpenSSL's PKCS5_PBKDF2_HMAC with `digest` (an EVP_MD).
    static func openSSL(password: [UInt8], salt: [UInt8], iterations: Int, byteCount: Int, digest: OpaquePointer) -> [UInt8] {
        precondition(iterations >= 1 && iterations <= Int(Int32.max))
        var out = [UInt8](repeating: 0, count: byteCount)
        let ok = password.withUnsafeBytes { p in
            salt.withUnsafeBytes { s in
                PKCS5_PBKDF2_HMAC(
                    p.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(p.count),
                    s.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(s.count),
                    Int32(iterations), digest, Int32(byteCount), &out)
            }
        }
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
        return out
    }
}

typealias SHA256State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

@inline(__always)
private func loadBigEndian(_ bytes: [UInt8], _ word: Int) -> UInt32 {
    UInt32(bytes[word * 4]) << 24 | UInt32(bytes[word * 4 + 1]) << 16 | UInt32(bytes[word * 4 + 2]) << 8
        | UInt32(bytes[word * 4 + 3])
}

@inline(__always)
private func storeBigEndian(_ h: SHA256State, into b: UnsafeMutablePointer<UInt8>) {
    b.withMemoryRebound(to: UInt32.self, capacity: 8) { w in
        w[0] = h.0.bigEndian; w[1] = h.1.bigEndian; w[2] = h.2.bigEndian; w[3] = h.3.bigEndian
        w[4] = h.4.bigEndian; w[5] = h.5.bigEndian; w[6] = h.6.bigEndian; w[7] = h.7.bigEndian
    }
}

@inline(__always)
private func xorState(_ h: SHA256State, into acc: inout [UInt32]) {
    acc[0] ^= h.0; acc[1] ^= h.1; acc[2] ^= h.2; acc[3] ^= h.3
    acc[4] ^= h.4; acc[5] ^= h.5; acc[6] ^= h.6; acc[7] ^= h.7
}
