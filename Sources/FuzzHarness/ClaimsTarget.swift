// Target `claims`: the claim checks and claim handling that only correctly signed tokens reach.
import AuthServer
import JSON
import JWT

extension FuzzTarget {
    /// Signs the bytes as a payload with the HS256 key, then handles the token as authd's
    /// handlers do, with default settings and with an audience, issuer and leeway configured:
    /// verified as an access token, a refresh token and either (token/verify),
    /// its `user_id`, `jti` and `exp` read; an accepted refresh token is exchanged for a new
    /// access token and a rotated refresh token, which authd must then accept itself.
    static func claims(_ input: UnsafeRawBufferPointer) {
        let token: String
        do {
            token = try signer.sign(payload: Array(input))
        } catch {
            fatalError("the harness's HS256 key cannot sign: \(error)")
        }
        let now = HarnessKeys.now
        for authority in [HarnessKeys.authority, HarnessKeys.authorityWithAudience] {
            for type in ["access", "refresh", nil] as [String?] {
                guard let claims = try? authority.verify(token, type: type, now: now) else { continue }
                let userID = UserIDClaim(claims)
                _ = (userID.id, UserIDClaim.isFalsy(claims), claims["jti"]?.stringValue, claims["exp"]?.numberValue?.double)
                guard type == "refresh" else { continue }
                mustVerify(try authority.access(from: claims, now: now), by: authority, as: "access")
                mustVerify(try authority.rotated(claims, now: now), by: authority, as: "refresh")
            }
        }
    }

    private static let signer = try! JWSSigner(key: HarnessKeys.hs256)  // a constant key

    /// A token authd just issued from an accepted one must be accepted too. The one allowed
    /// refusal is size: re-serializing escapes U+2028 and U+2029, so a refresh token near the
    /// limit can yield a slightly longer token (only reachable with claims authd never issues).
    private static func mustVerify(
        _ issue: @autoclosure () throws(JWTError) -> String, by authority: TokenAuthority, as type: String
    ) {
        let token: String
        do {
            token = try issue()
        } catch {
            fatalError("authd could not issue a \(type) token from accepted claims: \(error)")
        }
        do {
            _ = try authority.verify(token, type: type, now: HarnessKeys.now)
        } catch {
            guard error.kind == .tooLarge else { fatalError("authd refuses the \(type) token it just issued: \(error)") }
        }
    }
}
