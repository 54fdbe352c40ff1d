// User id claims read as Django's model fields read them, for each kind of key.
@testable import AuthServer
import JSON
import Testing

@Suite("User id claims")
struct UserIDTests {
    let canonical = "12345678-9abc-4def-8123-456789abcdef"

    @Test("integer keys: canonical positive decimals (string or number) within the column's range")
    func integers() {
        let int4 = UserIDKind.integer(maximum: Int64(Int32.max))
        #expect(int4.id(from: .string("42")) == UserID(text: "42", isInteger: true))
        #expect(int4.id(from: .number(JSONNumber(42))) == UserID(text: "42", isInteger: true))
        for refused: JSONValue in [.string("042"), .string("+42"), .string("0"), .string("-1"), .string("2147483648"), .null, .bool(true)] {
            #expect(int4.id(from: refused) == nil, "\(refused)")
        }
        #expect(UserIDKind.integer(maximum: Int64.max).id(from: .string("2147483648")) != nil)
    }

    @Test("UUID keys: every spelling Python's uuid.UUID(hex=) accepts, to the canonical form")
    func uuids() {
        for spelling in [
            canonical, "123456789abc4def8123456789abcdef", canonical.uppercased(), "{\(canonical)}", "urn:uuid:\(canonical)",
            "1234-5678-9abc-4def-8123-4567-89ab-cdef",
        ] {
            #expect(UserIDKind.uuid.id(from: .string(spelling))?.text == canonical, "\(spelling)")
        }
        for refused in ["42", String(canonical.dropLast()), canonical + "0", "g2345678-9abc-4def-8123-456789abcdef", ""] {
            #expect(UserIDKind.uuid.id(from: .string(refused)) == nil, "\(refused)")
        }
        #expect(UserIDKind.uuid.id(from: .number(JSONNumber(7))) == nil)
    }

    @Test("text keys: any non-empty string without NUL; integers as their decimal text")
    func texts() {
        #expect(UserIDKind.text.id(from: .string("tiny-tim")) == UserID(text: "tiny-tim", isInteger: false))
        #expect(UserIDKind.text.id(from: .number(JSONNumber(5)))?.text == "5")
        #expect(UserIDKind.text.id(from: .string("")) == nil)
        #expect(UserIDKind.text.id(from: .string("a\u{0}b")) == nil)
    }

    @Test("the claim is read under its configured name; an integer id answers as a JSON number")
    func claimName() {
        let claims: JSONObject = ["uid": .string("7")]
        #expect(UserIDClaim(claims, claim: "uid", kind: .integer(maximum: 100)) == .id(UserID(text: "7", isInteger: true)))
        #expect(UserIDClaim(claims, claim: "user_id", kind: .integer(maximum: 100)) == .absent)
        #expect(UserID(text: "7", isInteger: true).json == .number(JSONNumber(7)))
        #expect(UserID(text: canonical, isInteger: false).json == .string(canonical))
    }
}
