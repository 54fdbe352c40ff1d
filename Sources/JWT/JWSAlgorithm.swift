// The JWS algorithms authd signs and verifies (RFC 7518 §3, RFC 8037 §3.1). `none` is not one.

/// A JWS `alg` value. There is deliberately no `none`: an unsigned token cannot be represented.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    case HS256, HS384, HS512
    case RS256, RS384, RS512
    case PS256, PS384, PS512
    case ES256, ES384, ES512
    case EdDSA

    /// Parses a header's `alg` exactly (case-sensitive, RFC 7515 §4.1.1): "hs256" and "None"
    /// are not algorithms.
    public init?(headerValue: String) {
        self.init(rawValue: headerValue)
    }

    public var isHMAC: Bool {
        switch self {
        case .HS256, .HS384, .HS512: true
        default: false
        }
    }
}
