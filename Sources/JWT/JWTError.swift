// Why a token or a key was refused, as typed values the HTTP layer maps to responses.

/// A refusal from the JWT module. `kind` says what failed; `detail` is for logs and never
/// contains the token, a claim value, or key material.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        // The token's shape.
        /// Not three base64url parts, bad base64url, header not a JSON object, duplicate header names.
        case malformed
        /// Longer than the verifier's limit.
        case tooLarge
        /// `alg` missing, unknown, or `none`.
        case unsupportedAlgorithm
        /// `alg` is a real algorithm but not the one the selected key is configured for.
        case algorithmMismatch
        /// `kid` names no configured key.
        case unknownKeyID
        /// A `crit` header names extensions authd does not implement (RFC 7515 §4.1.11).
        case unknownCriticalHeader
        /// The signature does not verify.
        case badSignature

        // The claims.
        /// Payload is not a JSON object.
        case payloadNotJSONObject
        case expired
        /// `nbf` is in the future.
        case notYetValid
        /// `iat` is in the future.
        case issuedInFuture
        case invalidAudience
        case invalidIssuer
        /// A required claim is absent (its name is in `claim`).
        case missingClaim
        /// A claim has the wrong JSON type or an impossible value (its name is in `claim`).
        case invalidClaim
        /// `token_type` differs from the expected one.
        case wrongTokenType

        // Keys and configuration.
        /// An HMAC secret shorter than the hash output (RFC 7518 §3.2) or an RSA key under 2048 bits.
        case weakKey
        /// A key that does not fit the algorithm, or a JWK that cannot be used.
        case invalidKey
        /// Signing with a public-only key.
        case cannotSign
    }

    public let kind: Kind
    /// The claim concerned, for `missingClaim` and `invalidClaim`.
    public let claim: String?
    public let detail: String

    public init(_ kind: Kind, claim: String? = nil, _ detail: String = "") {
        self.kind = kind
        self.claim = claim
        self.detail = detail
    }

    public var description: String {
        var text = "\(kind)"
        if let claim { text += "(\(claim))" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}
