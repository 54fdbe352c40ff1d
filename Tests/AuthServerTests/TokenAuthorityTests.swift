// Tokens carry simplejwt's claims, in its order, with its lifetimes.
@testable import AuthServer
import AuthCrypto
import JSON
import JWT
import Dispatch
import EventLoop
import Testing

@Suite("Tokens")
struct TokenAuthorityTests {
    let authority: TokenAuthority = {
        var settings = Settings()
        settings.signingKey = Array("a-secret-of-at-least-thirty-two-bytes!".utf8)
        return try! TokenAuthority(settings: settings)
    }()

    func payload(_ token: String) -> String {
        let part = token.split(separator: ".")[1]
        return String(decoding: Base64.decode(String(part), alphabet: .url, padded: false)!, as: UTF8.self)
    }

    @Test("a pair has simplejwt's header and claims in simplejwt's order")
    func pair() throws {
        let (signed, access) = try authority.pair(for: TokenSubject(id: UserID(text: "1", isInteger: true), passwordHash: "x"), now: 1_694_851_038.7)
        let refresh = signed.token
        let header = String(decoding: Base64.decode(String(refresh.split(separator: ".")[0]), alphabet: .url, padded: false)!, as: UTF8.self)
        #expect(header == #"{"alg":"HS256","typ":"JWT"}"#)
        let refreshJSON = payload(refresh), accessJSON = payload(access)
        #expect(refreshJSON.hasPrefix(#"{"token_type":"refresh","exp":1694937438,"iat":1694851038,"jti":""#))
        #expect(refreshJSON.hasSuffix(#"","user_id":"1"}"#))
        #expect(accessJSON.hasPrefix(#"{"token_type":"access","exp":1694851338,"iat":1694851038,"jti":""#))
        let refreshClaims = try authority.verify(refresh, type: "refresh", now: 1_694_851_040)
        let accessClaims = try authority.verify(access, type: "access", now: 1_694_851_040)
        #expect(refreshClaims["jti"] != accessClaims["jti"])
        let jti = refreshClaims["jti"]!.stringValue!
        #expect(jti.count == 32 && jti.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(Array(jti)[12] == "4", "uuid4 version nibble")
    }

    @Test("token ids are uuid4().hex and never repeat, across many reserves of random bytes and several threads")
    func tokenIDs() throws {
        let seen = Lock(Set<String>())
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var mine: [String] = []
            for _ in 0..<2_000 { mine.append(try! TokenAuthority.newTokenID()) }
            seen.withLock { $0.formUnion(mine) }
        }
        let ids = seen.withLock { $0 }
        #expect(ids.count == 8_000)
        for id in ids.prefix(500) {
            let digits = Array(id)
            #expect(digits.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(digits[12] == "4" && "89ab".contains(digits[16]), "uuid4 version and variant")
        }
    }

    @Test("refresh copies custom claims into the access token; rotation keeps order with new jti, exp, iat")
    func refreshAndRotate() throws {
        let claims: JSONObject = [
            "token_type": "refresh", "exp": .number(JSONNumber(2000)), "iat": .number(JSONNumber(1000)), "jti": "old",
            "user_id": "7", "scope": "read",
        ]
        let access = try authority.verify(try authority.access(from: claims, now: 1500), type: "access", now: 1500)
        #expect(access.members.map(\.key) == ["token_type", "exp", "iat", "jti", "user_id", "scope"])
        #expect(access["scope"] == "read" && access["exp"] == .number(JSONNumber(1800)))
        let rotated = try authority.verify(try authority.rotated(claims, now: 1500).token, type: "refresh", now: 1500)
        #expect(rotated.members.map(\.key) == ["token_type", "exp", "iat", "jti", "user_id", "scope"])
        #expect(rotated["jti"] != "old" && rotated["exp"] == .number(JSONNumber(1500 + 86_400)) && rotated["iat"] == .number(JSONNumber(1500)))
    }
}
