// Target `claims`: the claim checks and claim handling that only correctly signed tokens reach.
import AuthServer
import JSON
import JWT

extension FuzzTarget {
    /// Signs the bytes as a payload with the HS256 key, then handles the token as authd's
    /// handlers do, with default settings and with an audience, issuer and leeway configured:
    /// verified as an access token, a refresh token and either (token/verify),
    /// its `user_id` (as an integer, UUID and text key), `jti` and `exp` read; an accepted refresh token is exchanged for a new
    /// access token and a rotated refresh token, which authd must then accept itself. An
    /// accepted token must also carry `aud`, `iss` and `token_type` exactly as PyJWT requires.
    static func claims(_ input: UnsafeRawBufferPointer) {
        let token: String
        do {
            token = try signer.sign(payload: Array(input))
        } catch {
            fatalError("the harness's HS256 key cannot sign: \(error)")
        }
        let now = HarnessKeys.now
        for (authority, audience, issuer) in authorities {
            for type in ["access", "refresh", nil] as [String?] {
                guard let claims = try? authority.verify(token, type: type, now: now) else { continue }
                mustMatchExactly(claims, type: type, audience: audience, issuer: issuer)
                // Every kind of user key a Django model may have.
                for kind in [UserIDKind.integer(maximum: Int64(Int32.max)), .uuid, .text] {
                    _ = UserIDClaim(claims, claim: "user_id", kind: kind).id
                }
                _ = (UserIDClaim.isFalsy(claims, claim: "user_id"), claims["jti"]?.stringValue, claims["exp"]?.numberValue?.double)
                guard type == "refresh" else { continue }
                mustVerify(try authority.access(from: claims, now: now), by: authority, as: "access")
                mustVerify(try authority.rotated(claims, now: now).token, by: authority, as: "refresh")
            }
        }
    }

    private static let signer = try! JWSSigner(key: HarnessKeys.hs256)  // a constant key

    /// Each authority with the audience and issuer it was configured with.
    private static let authorities: [(TokenAuthority, audience: String?, issuer: String?)] = [
        (HarnessKeys.authority, nil, nil),
        (HarnessKeys.authorityWithAudience, HarnessKeys.audience, HarnessKeys.issuer),
    ]

    /// The answer PyJWT gives, checked byte by byte rather than with the comparison authd uses:
    /// an accepted token's `token_type` and `iss` are the expected ones and its `aud` is the
    /// audience or a list holding it, in the same code points. authd's claims policy once used
    /// Swift's String ==, which lets "K" match U+212A KELVIN SIGN: that is no trap, only a wrong
    /// answer, and without this check fuzzing could not report it.
    private static func mustMatchExactly(_ claims: JSONObject, type: String?, audience: String?, issuer: String?) {
        func same(_ value: JSONValue?, _ expected: String) -> Bool {
            guard let text = value?.stringValue else { return false }
            return Array(text.utf8) == Array(expected.utf8)
        }
        if let type, !same(claims["token_type"], type) { fatalError("authd accepted a token_type other than \(type)") }
        if let issuer, !same(claims["iss"], issuer) { fatalError("authd accepted an iss other than \(issuer)") }
        if let audience {
            let aud = claims["aud"]
            guard same(aud, audience) || aud?.arrayValue?.contains(where: { same($0, audience) }) == true else {
                fatalError("authd accepted an aud without \(audience)")
            }
        }
    }

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
