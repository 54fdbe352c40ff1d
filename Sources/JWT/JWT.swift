// JSON Web Tokens (RFC 7519): a compact JWS whose payload is a JSON object of claims.
public import JSON

/// A token whose signature and claims have been checked.
public struct VerifiedJWT: Sendable {
    public let header: JSONObject
    public let claims: JSONObject
    public let algorithm: JWSAlgorithm
    public let keyID: String?
}

/// Verifies JWTs: the JWS checks of `JWSVerifier`, then a JSON-object payload, then `policy`.
public struct JWTVerifier: Sendable {
    public let jws: JWSVerifier

    public init(keys: JWTKeySet, maxTokenBytes: Int = 16 * 1024) {
        jws = JWSVerifier(keys: keys, maxTokenBytes: maxTokenBytes)
    }

    public func verify(_ token: String, policy: ClaimsPolicy, now: Double) throws(JWTError) -> VerifiedJWT {
        try Self.claims(of: jws.verify(token), policy: policy, now: now)
    }

    public func verify(_ token: UnsafeRawBufferPointer, policy: ClaimsPolicy, now: Double) throws(JWTError) -> VerifiedJWT {
        try Self.claims(of: jws.verify(token), policy: policy, now: now)
    }

    private static func claims(of verified: VerifiedJWS, policy: ClaimsPolicy, now: Double) throws(JWTError) -> VerifiedJWT {
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(verified.payload, options: .init(maxDepth: 32))
        } catch {
            throw JWTError(.payloadNotJSONObject, "payload is not JSON: \(error)")
        }
        guard let claims = payload.objectValue else { throw JWTError(.payloadNotJSONObject, "payload is not an object") }
        try policy.validate(claims, now: now)
        return VerifiedJWT(header: verified.header, claims: claims, algorithm: verified.algorithm, keyID: verified.keyID)
    }
}

/// Signs claims into JWTs with one key.
public struct JWTSigner: Sendable {
    public let jws: JWSSigner

    public init(key: JWTKey, includeKeyID: Bool = false) throws(JWTError) {
        jws = try JWSSigner(key: key, includeKeyID: includeKeyID)
    }

    /// Signs `claims`, serialized compactly in their given order (simplejwt's order is
    /// token_type, exp, iat, jti, user_id).
    public func sign(_ claims: JSONObject) throws(JWTError) -> String {
        try jws.sign(payload: JSONValue.object(claims).serialized())
    }
}
