// RSA, EC and Ed25519 keys held as OpenSSL EVP_PKEY objects: load, generate, export.
internal import COpenSSL

/// A public or private asymmetric key.
///
/// `@unchecked Sendable`: the EVP_PKEY is never modified after init, and OpenSSL 3 documents
/// concurrent read-only use of a key (signing and verifying from several threads) as safe.
public final class AsymmetricKey: @unchecked Sendable {
    public enum Kind: Sendable, Hashable {
        case rsa(bits: Int)
        case ec(ECCurve)
        case ed25519
    }

    let pkey: OpaquePointer
    public let kind: Kind
    /// Whether the private half is present (only then can the key sign).
    public let hasPrivateKey: Bool

    init(taking pkey: OpaquePointer) throws(CryptoError) {
        self.pkey = pkey
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA:
            kind = .rsa(bits: Int(EVP_PKEY_get_bits(pkey)))
            hasPrivateKey = Self.hasBigNumber(pkey, OSSL_PKEY_PARAM_RSA_D)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length) == 1,
                let curve = ECCurve(openSSLName: String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            else {
                EVP_PKEY_free(pkey)
                throw CryptoError.fromOpenSSL(.unsupportedKey, "EC key on a curve other than P-256, P-384 or P-521")
            }
            kind = .ec(curve)
            hasPrivateKey = Self.hasBigNumber(pkey, OSSL_PKEY_PARAM_PRIV_KEY)
        case EVP_PKEY_ED25519:
            kind = .ed25519
            var length = 0
            hasPrivateKey = EVP_PKEY_get_raw_private_key(pkey, nil, &length) == 1
        default:
            EVP_PKEY_free(pkey)
            throw CryptoError(.unsupportedKey, "key type is not RSA, EC or Ed25519")
        }
        ERR_clear_error()
    }

    deinit { EVP_PKEY_free(pkey) }

    private static func hasBigNumber(_ pkey: OpaquePointer, _ name: String) -> Bool {
        var bn: OpaquePointer? = nil
        defer { BN_free(bn) }
        return EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && bn != nil
    }

    // MARK: PEM

    /// Reads a PEM private key (PKCS#8 or traditional) or a PEM public key (SubjectPublicKeyInfo).
    public convenience init(pem: String) throws(CryptoError) {
        var bytes = Array(pem.utf8)
        func read(_ reader: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
            bytes.withUnsafeMutableBytes { buffer in
                guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
                defer { BIO_free(bio) }
                return reader(bio)
            }
        }
        let key =
            pem.contains("PRIVATE KEY-----")
            ? read { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
            : read { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        guard let key else { throw CryptoError.fromOpenSSL(.invalidKey, "not a PEM key OpenSSL can read") }
        try self.init(taking: key)
    }

    /// The private key as PKCS#8 PEM (unencrypted: protect the file, not the format).
    public func privateKeyPEM() throws(CryptoError) -> String {
        guard hasPrivateKey else { throw CryptoError(.missingPrivateKey, "public key only") }
        return try writePEM { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    public func publicKeyPEM() throws(CryptoError) -> String {
        try writePEM { PEM_write_bio_PUBKEY($0, pkey) }
    }

    private func writePEM(_ writer: (OpaquePointer) -> Int32) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.fromOpenSSL(.operationFailed, "BIO_new") }
        defer { BIO_free(bio) }
        guard writer(bio) == 1 else { throw CryptoError.fromOpenSSL(.operationFailed, "PEM write") }
        var out = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let read = BIO_read(bio, &out, Int32(out.count))
        return String(decoding: out[0..<max(0, Int(read))], as: UTF8.self)
    }

    // MARK: Generation

    public enum GenerationSpec: Sendable {
        case rsa(bits: Int)
        case ec(ECCurve)
        case ed25519
    }

    /// A new random key pair.
    public static func generate(_ spec: GenerationSpec) throws(CryptoError) -> AsymmetricKey {
        let name: String
        switch spec {
        case .rsa: name = "RSA"
        case .ec: name = "EC"
        case .ed25519: name = "ED25519"
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw CryptoError.fromOpenSSL(.operationFailed, "keygen init") }
        switch spec {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else {
                throw CryptoError.fromOpenSSL(.unsupportedKey, "RSA size \(bits)")
            }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(ctx, curve.openSSLName) == 1 else {
                throw CryptoError.fromOpenSSL(.unsupportedKey, "EC group \(curve.rawValue)")
            }
        case .ed25519: break
        }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw CryptoError.fromOpenSSL(.operationFailed, "key generation")
        }
        return try AsymmetricKey(taking: pkey)
    }

    // MARK: Components (for JWK import and export)

    /// An RSA key from big-endian integers (JWK `n`, `e`, and optionally the private CRT values).
    public static func rsa(
        n: [UInt8], e: [UInt8], d: [UInt8]? = nil, p: [UInt8]? = nil, q: [UInt8]? = nil,
        dp: [UInt8]? = nil, dq: [UInt8]? = nil, qi: [UInt8]? = nil
    ) throws(CryptoError) -> AsymmetricKey {
        var integers: [(String, [UInt8])] = [(OSSL_PKEY_PARAM_RSA_N, n), (OSSL_PKEY_PARAM_RSA_E, e)]
        if let d {
            integers.append((OSSL_PKEY_PARAM_RSA_D, d))
            // The CRT values come all together or not at all. (OpenSSL spells their names by
            // concatenating macros, which Swift does not import.)
            if let p, let q, let dp, let dq, let qi {
                integers += [
                    ("rsa-factor1", p), ("rsa-factor2", q),
                    ("rsa-exponent1", dp), ("rsa-exponent2", dq),
                    ("rsa-coefficient1", qi),
                ]
            }
        }
        return try fromData(type: "RSA", isPrivate: d != nil, integers: integers, strings: [], octets: [])
    }

    /// An EC key from its affine coordinates (each exactly the curve's size) and optional scalar.
    public static func ec(curve: ECCurve, x: [UInt8], y: [UInt8], d: [UInt8]? = nil) throws(CryptoError) -> AsymmetricKey {
        guard x.count == curve.coordinateByteCount, y.count == curve.coordinateByteCount else {
            throw CryptoError(.invalidKey, "EC coordinates must be \(curve.coordinateByteCount) bytes for \(curve.rawValue)")
        }
        if let d, d.count != curve.coordinateByteCount {
            throw CryptoError(.invalidKey, "EC private scalar must be \(curve.coordinateByteCount) bytes")
        }
        let point = [0x04] + x + y  // SEC 1 uncompressed point
        return try fromData(
            type: "EC", isPrivate: d != nil, integers: d.map { [(OSSL_PKEY_PARAM_PRIV_KEY, $0)] } ?? [],
            strings: [(OSSL_PKEY_PARAM_GROUP_NAME, curve.openSSLName)], octets: [(OSSL_PKEY_PARAM_PUB_KEY, point)])
    }

    /// An Ed25519 key from its 32-byte public value, or from its 32-byte private seed.
    public static func ed25519(publicKey: [UInt8]? = nil, privateKey: [UInt8]? = nil) throws(CryptoError) -> AsymmetricKey {
        let key: OpaquePointer?
        if let privateKey {
            guard privateKey.count == 32 else { throw CryptoError(.invalidKey, "Ed25519 private key must be 32 bytes") }
            key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, privateKey, 32)
            if let key, let publicKey {
                // The seed determines the public value; a JWK whose x disagrees is inconsistent.
                var derived = [UInt8](repeating: 0, count: 32)
                var length = 32
                guard EVP_PKEY_get_raw_public_key(key, &derived, &length) == 1, derived == publicKey else {
                    EVP_PKEY_free(key)
                    throw CryptoError(.invalidKey, "Ed25519 public key does not match the private key")
                }
            }
        } else if let publicKey {
            guard publicKey.count == 32 else { throw CryptoError(.invalidKey, "Ed25519 public key must be 32 bytes") }
            key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32)
        } else {
            throw CryptoError(.invalidKey, "Ed25519 key needs a public or private value")
        }
        guard let key else { throw CryptoError.fromOpenSSL(.invalidKey, "Ed25519 key") }
        return try AsymmetricKey(taking: key)
    }

    private static func fromData(
        type: String, isPrivate: Bool, integers: [(String, [UInt8])], strings: [(String, String)],
        octets: [(String, [UInt8])]
    ) throws(CryptoError) -> AsymmetricKey {
        guard let builder = OSSL_PARAM_BLD_new() else { throw CryptoError.fromOpenSSL(.operationFailed, "OSSL_PARAM_BLD_new") }
        var numbers: [OpaquePointer] = []
        defer {
            OSSL_PARAM_BLD_free(builder)
            for bn in numbers { BN_clear_free(bn) }
        }
        // OSSL_PARAM_BLD keeps pointers to names, strings and octets until to_param, so all of
        // them are pushed from storage that lives until after the call below.
        let names = (integers.map(\.0) + strings.map(\.0) + octets.map(\.0)).map { strdup($0)! }
        let stringValues = strings.map { strdup($0.1)! }
        defer { for p in names + stringValues { free(p) } }
        var nameIndex = 0
        for (_, value) in integers {
            guard let bn = BN_bin2bn(value, Int32(value.count), nil) else { throw CryptoError.fromOpenSSL(.invalidKey, "integer") }
            numbers.append(bn)
            guard OSSL_PARAM_BLD_push_BN(builder, names[nameIndex], bn) == 1 else {
                throw CryptoError.fromOpenSSL(.invalidKey, "push integer")
            }
            nameIndex += 1
        }
        for (i, _) in strings.enumerated() {
            guard OSSL_PARAM_BLD_push_utf8_string(builder, names[nameIndex], stringValues[i], 0) == 1 else {
                throw CryptoError.fromOpenSSL(.invalidKey, "push string")
            }
            nameIndex += 1
        }
        let octetCopies = octets.map { $0.1 }
        let octetBuffers = octetCopies.map { bytes -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
            b.copyBytes(from: bytes)
            return b
        }
        defer { for b in octetBuffers { b.deallocate() } }
        for (i, bytes) in octetCopies.enumerated() {
            guard OSSL_PARAM_BLD_push_octet_string(builder, names[nameIndex], octetBuffers[i].baseAddress, bytes.count) == 1 else {
                throw CryptoError.fromOpenSSL(.invalidKey, "push octets")
            }
            nameIndex += 1
        }
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw CryptoError.fromOpenSSL(.invalidKey, "params") }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else {
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer? = nil
        let selection = isPrivate ? authd_selection_keypair() : authd_selection_public_key()
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1, let pkey else {
            throw CryptoError.fromOpenSSL(.invalidKey, "\(type) key components rejected")
        }
        // fromdata does not validate everything (an RSA modulus, an EC point's order); the
        // public check does, and keys are loaded once, so its cost does not matter.
        guard let check = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            EVP_PKEY_free(pkey)
            throw CryptoError.fromOpenSSL(.operationFailed, "EVP_PKEY_CTX_new_from_pkey")
        }
        defer { EVP_PKEY_CTX_free(check) }
        guard EVP_PKEY_public_check(check) == 1 else {
            EVP_PKEY_free(pkey)
            throw CryptoError.fromOpenSSL(.invalidKey, "\(type) public key fails validation")
        }
        return try AsymmetricKey(taking: pkey)
    }

    /// RSA modulus and public exponent, big-endian without leading zeros.
    public func rsaPublicNumbers() -> (n: [UInt8], e: [UInt8])? {
        guard case .rsa = kind, let n = bigNumber(OSSL_PKEY_PARAM_RSA_N, padTo: 0),
            let e = bigNumber(OSSL_PKEY_PARAM_RSA_E, padTo: 0)
        else { return nil }
        return (n, e)
    }

    /// EC public point's affine coordinates, each padded to the curve size.
    public func ecPublicCoordinates() -> (x: [UInt8], y: [UInt8])? {
        guard case .ec(let curve) = kind,
            let x = bigNumber(OSSL_PKEY_PARAM_EC_PUB_X, padTo: curve.coordinateByteCount),
            let y = bigNumber(OSSL_PKEY_PARAM_EC_PUB_Y, padTo: curve.coordinateByteCount)
        else { return nil }
        return (x, y)
    }

    /// Ed25519 public value (32 bytes).
    public func ed25519PublicKey() -> [UInt8]? {
        guard case .ed25519 = kind else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &out, &length) == 1, length == 32 else { return nil }
        return out
    }

    private func bigNumber(_ name: String, padTo size: Int) -> [UInt8]? {
        var bn: OpaquePointer? = nil
        defer { BN_free(bn) }
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else {
            ERR_clear_error()
            return nil
        }
        let natural = (Int(BN_num_bits(bn)) + 7) / 8
        var out = [UInt8](repeating: 0, count: max(size, natural, 1))
        guard BN_bn2binpad(bn, &out, Int32(out.count)) == out.count else { return nil }
        return out
    }
}

/// The NIST curves JWS uses (RFC 7518 §3.4).
public enum ECCurve: String, Sendable, Hashable, CaseIterable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"

    /// Size of one coordinate, of the private scalar, and of r and s in a raw signature.
    public var coordinateByteCount: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }

    var openSSLName: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        }
    }

    init?(openSSLName: String) {
        guard let curve = Self.allCases.first(where: { $0.openSSLName == openSSLName }) else { return nil }
        self = curve
    }
}
