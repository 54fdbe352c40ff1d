// Typed errors of the OpenSSL layer. The detail is OpenSSL's reason string, never key material.
internal import COpenSSL

/// Something an OpenSSL operation refused, with the reason OpenSSL gave.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The bytes are not a key OpenSSL can read (bad PEM, bad components, point not on curve).
        case invalidKey
        /// A readable key of a type or size authd does not use.
        case unsupportedKey
        /// The key lacks its private half, which the operation needs.
        case missingPrivateKey
        /// OpenSSL failed to produce a signature, digest or key.
        case operationFailed
        /// The random generator failed (it is never silently replaced).
        case randomFailed
    }

    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind): \(detail)" }

    /// Builds an error from OpenSSL's thread-local error queue and empties the queue, so a stale
    /// error never leaks into the next operation on the same thread.
    static func fromOpenSSL(_ kind: Kind, _ context: String) -> CryptoError {
        let code = ERR_get_error()
        var reason = context
        if code != 0, let text = ERR_reason_error_string(code) {
            reason += " (" + String(cString: text) + ")"
        }
        ERR_clear_error()
        return CryptoError(kind, reason)
    }
}
