// Sign and verify with an AsymmetricKey: RSA PKCS#1 v1.5, RSA-PSS, ECDSA (raw r‖s), Ed25519.
internal import COpenSSL

/// How a signature is computed. ECDSA signatures are the fixed-width `r ‖ s` of IEEE P1363 /
/// JWS (RFC 7518 §3.4), not OpenSSL's DER.
public enum SignatureScheme: Sendable, Hashable {
    case rsaPKCS1v15(DigestAlgorithm)
    /// MGF1 with the same digest and a salt as long as the digest (RFC 7518 §3.5).
    case rsaPSS(DigestAlgorithm)
    case ecdsa(DigestAlgorithm)
    case ed25519

    var digest: DigestAlgorithm? {
        switch self {
        case .rsaPKCS1v15(let d), .rsaPSS(let d), .ecdsa(let d): d
        case .ed25519: nil
        }
    }
}

extension AsymmetricKey {
    /// Signs `message`. Costly for RSA (milliseconds): callers keep it off event loops.
    public func sign(_ message: UnsafeRawBufferPointer, scheme: SignatureScheme) throws(CryptoError) -> [UInt8] {
        guard hasPrivateKey else { throw CryptoError(.missingPrivateKey, "signing needs a private key") }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL(.operationFailed, "EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer? = nil
        guard EVP_DigestSignInit(ctx, &pctx, scheme.digest?.evpMD, nil, pkey) == 1 else {
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_DigestSignInit")
        }
        if case .rsaPSS = scheme { try configurePSS(pctx) }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, message.bindMemory(), message.count) == 1 else {
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, message.bindMemory(), message.count) == 1 else {
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_DigestSign")
        }
        signature.removeSubrange(length...)
        if case .ecdsa = scheme, case .ec(let curve) = kind {
            return try Self.rawSignature(fromDER: signature, coordinateSize: curve.coordinateByteCount)
        }
        return signature
    }

    public func sign(_ message: [UInt8], scheme: SignatureScheme) throws(CryptoError) -> [UInt8] {
        // Array.withUnsafeBytes rethrows untyped errors, so the result travels as a Result.
        try message.withUnsafeBytes { m in Result { () throws(CryptoError) in try sign(m, scheme: scheme) } }.get()
    }

    /// True only for a valid signature of `message` under this key and scheme. Never throws:
    /// every malformed signature is simply not valid.
    public func isValidSignature(
        _ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer, scheme: SignatureScheme
    ) -> Bool {
        defer { ERR_clear_error() }
        var der: [UInt8]
        if case .ecdsa = scheme {
            guard case .ec(let curve) = kind,
                let converted = Self.derSignature(fromRaw: signature, coordinateSize: curve.coordinateByteCount)
            else { return false }
            der = converted
        } else {
            der = Array(signature)
        }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer? = nil
        guard EVP_DigestVerifyInit(ctx, &pctx, scheme.digest?.evpMD, nil, pkey) == 1 else { return false }
        if case .rsaPSS = scheme {
            guard (try? configurePSS(pctx)) != nil else { return false }
        }
        return der.withUnsafeBytes { s in
            EVP_DigestVerify(ctx, s.bindMemory(), s.count, message.bindMemory(), message.count) == 1
        }
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], scheme: SignatureScheme) -> Bool {
        signature.withUnsafeBytes { s in message.withUnsafeBytes { m in isValidSignature(s, for: m, scheme: scheme) } }
    }

    private func configurePSS(_ pctx: OpaquePointer?) throws(CryptoError) {
        guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1
        else { throw CryptoError.fromOpenSSL(.unsupportedKey, "RSA-PSS padding") }
    }

    /// DER ECDSA-Sig-Value -> r ‖ s, each left-padded to the curve size.
    static func rawSignature(fromDER der: [UInt8], coordinateSize: Int) throws(CryptoError) -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw CryptoError.fromOpenSSL(.operationFailed, "d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(parsed) }
        var out = [UInt8](repeating: 0, count: coordinateSize * 2)
        let r = ECDSA_SIG_get0_r(parsed), s = ECDSA_SIG_get0_s(parsed)
        let ok = out.withUnsafeMutableBufferPointer { b in
            BN_bn2binpad(r, b.baseAddress, Int32(coordinateSize)) == coordinateSize
                && BN_bn2binpad(s, b.baseAddress! + coordinateSize, Int32(coordinateSize)) == coordinateSize
        }
        guard ok else { throw CryptoError(.operationFailed, "ECDSA signature wider than the curve") }
        return out
    }

    /// r ‖ s -> DER, or nil when the length is not exactly twice the curve size or r or s is
    /// zero (CVE-2022-21449 was a verifier that accepted r = s = 0).
    static func derSignature(fromRaw raw: UnsafeRawBufferPointer, coordinateSize: Int) -> [UInt8]? {
        guard raw.count == 2 * coordinateSize, let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return nil
        }
        guard let r = BN_bin2bn(base, Int32(coordinateSize), nil) else { return nil }
        guard let s = BN_bin2bn(base + coordinateSize, Int32(coordinateSize), nil) else {
            BN_free(r)
            return nil
        }
        guard BN_is_zero(r) == 0, BN_is_zero(s) == 0, let sig = ECDSA_SIG_new() else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        defer { ECDSA_SIG_free(sig) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { b -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = b.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        return written == length ? der : nil
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes as `const unsigned char *` for OpenSSL (nil for an empty buffer is fine there).
    fileprivate func bindMemory() -> UnsafePointer<UInt8>? {
        baseAddress?.assumingMemoryBound(to: UInt8.self)
    }
}
