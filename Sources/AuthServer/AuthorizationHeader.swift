// The Authorization header as simplejwt's JWTAuthentication reads it. Public because it parses
// attacker bytes: the fuzz harness (Sources/FuzzHarness) calls it directly.

package enum AuthorizationHeader {
    /// simplejwt's get_raw_token: split on whitespace; no header, no parts, or a first part
    /// other than one of AUTH_HEADER_TYPES (case-sensitive) means no credentials; a scheme
    /// without exactly one more part is a malformed header.
    package static func bearerToken(_ header: String?, types: [String] = ["Bearer"]) throws(APIError) -> String {
        guard let header else { throw APIError.notAuthenticated }
        let parts = header.utf8.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
        guard let scheme = parts.first, types.contains(String(decoding: scheme, as: UTF8.self)) else {
            throw APIError.notAuthenticated
        }
        guard parts.count == 2 else { throw APIError.badAuthorizationHeader }
        return String(decoding: parts[1], as: UTF8.self)
    }
}
