// Compact JWS (RFC 7515 §7.1): strict parsing, signature verification and signing.
import AuthCrypto
public import JSON

/// A JWS whose signature has been verified with a configured key.
public struct VerifiedJWS: Sendable {
    public let header: JSONObject
    public let algorithm: JWSAlgorithm
    /// The key that verified the signature (its ID, if it has one).
    public let keyID: String?
    /// The decoded payload: arbitrary bytes at this level; a JWT's is a JSON object.
    public let payload: [UInt8]
}

/// Verifies compact JWS strings against a key set. Rejects, in this order: oversized input;
/// anything but exactly three dot-separated parts; non-canonical base64url in any part; a header
/// that is not a JSON object or repeats a name; a missing, unknown or `none` algorithm; any
/// `crit` extension; an unknown `kid`; an `alg` other than the selected key's; a bad signature.
/// Embedded keys (`jwk`, `jku`, `x5c`, `x5u`) are ignored: only configured keys ever verify.
public struct JWSVerifier: Sendable {
    public let keys: JWTKeySet
    /// Longest token accepted, in bytes (a bound on work and memory per request).
    public let maxTokenBytes: Int

    public init(keys: JWTKeySet, maxTokenBytes: Int = 16 * 1024) {
        self.keys = keys
        self.maxTokenBytes = maxTokenBytes
    }

    public func verify(_ token: String) throws(JWTError) -> VerifiedJWS {
        var token = token
        return try token.withUTF8 { bytes in
            Result { () throws(JWTError) in try verify(UnsafeRawBufferPointer(bytes)) }
        }.get()
    }

    public func verify(_ token: UnsafeRawBufferPointer) throws(JWTError) -> VerifiedJWS {
        guard token.count <= maxTokenBytes else { throw JWTError(.tooLarge, "token longer than \(maxTokenBytes) bytes") }
        let (firstDot, secondDot) = try Self.dots(in: token)
        let headerPart = UnsafeRawBufferPointer(rebasing: token[0..<firstDot])
        let payloadPart = UnsafeRawBufferPointer(rebasing: token[(firstDot + 1)..<secondDot])
        let signaturePart = UnsafeRawBufferPointer(rebasing: token[(secondDot + 1)...])

        let header = try Self.parseHeader(headerPart)
        guard let algorithmName = header["alg"]?.stringValue else {
            throw JWTError(.unsupportedAlgorithm, "header has no string alg")
        }
        guard let algorithm = JWSAlgorithm(headerValue: algorithmName) else {
            throw JWTError(.unsupportedAlgorithm, "alg is not an accepted algorithm")
        }
        if header["crit"] != nil {
            // authd implements no JWS extension, so any critical one makes the token unusable.
            throw JWTError(.unknownCriticalHeader, "crit names extensions this verifier does not implement")
        }
        var keyID: String? = nil
        if let kid = header["kid"] {
            guard let text = kid.stringValue else { throw JWTError(.malformed, "kid is not a string") }
            keyID = text
        }
        let key = try keys.key(for: keyID)
        guard key.algorithm == algorithm else {
            throw JWTError(.algorithmMismatch, "token alg differs from the key's algorithm")
        }
        guard signaturePart.count > 0,
            let signature = Base64.decode(signaturePart, alphabet: .url, padded: false)
        else { throw JWTError(.malformed, "signature is not base64url") }
        let signingInput = UnsafeRawBufferPointer(rebasing: token[0..<secondDot])
        let valid = signature.withUnsafeBytes { key.isValid(signature: $0, for: signingInput) }
        guard valid else { throw JWTError(.badSignature, "signature does not verify") }
        guard let payload = Base64.decode(payloadPart, alphabet: .url, padded: false) else {
            throw JWTError(.malformed, "payload is not base64url")
        }
        return VerifiedJWS(header: header, algorithm: algorithm, keyID: key.keyID, payload: payload)
    }

    /// Positions of the two dots; stops at a third, so "a.b.c.d...." costs nothing extra.
    private static func dots(in token: UnsafeRawBufferPointer) throws(JWTError) -> (Int, Int) {
        var found: (Int, Int) = (-1, -1)
        var count = 0
        for index in token.indices where token[index] == UInt8(ascii: ".") {
            count += 1
            switch count {
            case 1: found.0 = index
            case 2: found.1 = index
            default: throw JWTError(.malformed, "more than three parts")
            }
        }
        guard count == 2, found.0 > 0 else { throw JWTError(.malformed, "not three parts") }
        return found
    }

    private static func parseHeader(_ part: UnsafeRawBufferPointer) throws(JWTError) -> JSONObject {
        guard let bytes = Base64.decode(part, alphabet: .url, padded: false) else {
            throw JWTError(.malformed, "header is not base64url")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, options: .init(maxDepth: 16))
        } catch {
            throw JWTError(.malformed, "header is not JSON: \(error)")
        }
        guard let object = value.objectValue else { throw JWTError(.malformed, "header is not a JSON object") }
        // RFC 7515 §4: names MUST be unique, or only the last may be used. Refusing is safer.
        guard !object.hasDuplicateKeys else { throw JWTError(.malformed, "header repeats a name") }
        return object
    }
}

/// Produces compact JWS strings with one key. The header is built and encoded once.
public struct JWSSigner: Sendable {
    public let key: JWTKey
    /// `base64url(header) + "."`, ready to be followed by the payload.
    let encodedHeaderAndDot: [UInt8]

    /// - Parameter includeKeyID: put the key's `kid` in the header (needed once several keys
    ///   verify; simplejwt's own tokens carry none).
    public init(key: JWTKey, includeKeyID: Bool = false) throws(JWTError) {
        guard key.canSign else { throw JWTError(.cannotSign, "the \(key.algorithm.rawValue) key is public only") }
        self.key = key
        // PyJWT sorts header names, giving exactly {"alg":"HS256","typ":"JWT"}.
        var header: JSONObject = ["alg": .string(key.algorithm.rawValue)]
        if includeKeyID, let kid = key.keyID { header["kid"] = .string(kid) }
        header["typ"] = .string("JWT")
        encodedHeaderAndDot = Base64.encodeBytes(JSONValue.object(header).serialized(), alphabet: .url, padded: false) + [UInt8(ascii: ".")]
    }

    /// Signs `payload` bytes and returns the compact serialization.
    public func sign(payload: [UInt8]) throws(JWTError) -> String {
        var token = encodedHeaderAndDot
        token.reserveCapacity(token.count + payload.count * 4 / 3 + 8 + 2 * key.signatureByteEstimate)
        token += Base64.encodeBytes(payload, alphabet: .url, padded: false)
        let signature = try token.withUnsafeBytes { input in
            Result { () throws(JWTError) in try key.signature(for: input) }
        }.get()
        token.append(UInt8(ascii: "."))
        token += Base64.encodeBytes(signature, alphabet: .url, padded: false)
        return String(decoding: token, as: UTF8.self)
    }
}

extension JWTKey {
    var signatureByteEstimate: Int {
        switch algorithm {
        case .HS256, .ES256, .EdDSA: 64
        case .HS384, .ES384: 96
        case .HS512, .ES512: 132
        default: 512
        }
    }
}
