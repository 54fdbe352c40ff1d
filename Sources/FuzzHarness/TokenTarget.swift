// Target `token`: the header, base64url, JSON and signature parsing every token goes through.
import AuthServer
import JWT

extension FuzzTarget {
    /// Verifies the bytes as they are against the ES256 + RS256 key set (where `kid` and `alg`
    /// pick the key), then as the text a request carries against authd's HS256 rules.
    static func token(_ input: UnsafeRawBufferPointer) {
        _ = try? HarnessKeys.asymmetricVerifier.verify(input, policy: ClaimsPolicy(), now: HarnessKeys.now)
        // Tokens reach authd as Strings (a JSON body field, a header), invalid UTF-8 replaced.
        let text = String(decoding: input, as: UTF8.self)
        _ = try? HarnessKeys.authority.verify(text, type: "access", now: HarnessKeys.now)
    }
}
