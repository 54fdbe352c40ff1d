// The verification keys a verifier accepts, selected by the token's `kid`.

/// One or more verification keys. Selection (RFC 7515 §4.1.4 `kid`):
/// - a token `kid` equal to a key's ID selects that key;
/// - a token without `kid` selects the first key (the current signing key);
/// - a token `kid` that matches nothing is refused, except when the set is a single key without
///   an ID: simplejwt ignores `kid`, and tokens from such a deployment must keep working.
/// The selected key's algorithm must equal the token's `alg`.
/// A set holds HMAC secrets or public keys, never both: key sets get published (JWKS), and a
/// secret must never travel with them.
public struct JWTKeySet: Sendable {
    public let keys: [JWTKey]

    public init(_ keys: [JWTKey]) throws(JWTError) {
        guard !keys.isEmpty else { throw JWTError(.invalidKey, "a key set needs at least one key") }
        guard keys.allSatisfy({ $0.algorithm.isHMAC }) || keys.allSatisfy({ !$0.algorithm.isHMAC }) else {
            throw JWTError(.invalidKey, "a key set mixes HMAC secrets with asymmetric keys")
        }
        var seen = Set<String>()
        for key in keys {
            if let id = key.keyID, !seen.insert(id).inserted {
                throw JWTError(.invalidKey, "two keys share the key ID \"\(id)\"")
            }
        }
        self.keys = keys
    }

    public init(_ key: JWTKey) {
        self.keys = [key]
    }

    func key(for keyID: String?) throws(JWTError) -> JWTKey {
        guard let keyID else { return keys[0] }
        if let key = keys.first(where: { $0.keyID == keyID }) { return key }
        if keys.count == 1 && keys[0].keyID == nil { return keys[0] }
        throw JWTError(.unknownKeyID, "no key has the token's kid")
    }
}
