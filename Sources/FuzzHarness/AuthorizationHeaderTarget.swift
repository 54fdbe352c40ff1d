// Target `authorization-header`: the protected route's credentials, from header to user id.
import AuthServer

extension FuzzTarget {
    /// The bytes as an `Authorization` header's value: the bearer token taken out as simplejwt
    /// does, verified as an access token, and its `user_id` read; refusals rendered as answers.
    static func authorizationHeader(_ input: UnsafeRawBufferPointer) {
        // evhttp hands headers over as C strings: the value ends at the first NUL.
        let value = input.firstIndex(of: 0).map { UnsafeRawBufferPointer(rebasing: input[..<$0]) } ?? input
        do {
            let token = try AuthorizationHeader.bearerToken(String(decoding: value, as: UTF8.self))
            guard let claims = try? HarnessKeys.authority.verify(token, type: "access", now: HarnessKeys.now) else { return }
            _ = UserIDClaim(claims, claim: "user_id", kind: .integer(maximum: Int64.max)).id
        } catch {
            _ = error.response
        }
    }
}
