// A user's identity as tokens carry it: the value of USER_ID_FIELD, whatever its column type.
package import JSON

/// What kind of column USER_ID_FIELD is, which decides what a claim may hold.
package enum UserIDKind: Sendable, Equatable {
    /// smallint, integer or bigint, up to `maximum` (a larger claim could not be cast).
    case integer(maximum: Int64)
    case uuid
    /// text, varchar or char.
    case text
}

/// A user id in its canonical text form: how PostgreSQL prints the column and how simplejwt
/// writes the claim (`str(user.pk)`: "42", or a UUID's lowercase hyphenated form).
package struct UserID: Hashable, Sendable, CustomStringConvertible {
    package let text: String
    /// Integer ids are JSON numbers where authd answers with a user (GET /api/users/me/).
    package let isInteger: Bool

    package init(text: String, isInteger: Bool) {
        self.text = text
        self.isInteger = isInteger
    }

    package var description: String { text }

    /// The id in a JSON answer.
    package var json: JSONValue {
        if isInteger, let number = Int64(text) { return .number(JSONNumber(number)) }
        return .string(text)
    }
}

extension UserIDKind {
    /// The id a claim value names, read as Django's model field would read it in
    /// `User.objects.get(<USER_ID_FIELD>=value)`; nil for a value no user can have (simplejwt's
    /// lookup would fail or raise).
    package func id(from value: JSONValue) -> UserID? {
        switch self {
        case .integer(let maximum):
            let number: Int64?
            switch value {
            case .string(let text):
                // Canonical decimal only, as authd has always read it.
                number = Int64(text).flatMap { String($0) == text ? $0 : nil }
            case .number(let json):
                number = json.int64
            default:
                number = nil
            }
            guard let number, number > 0, number <= maximum else { return nil }
            return UserID(text: String(number), isInteger: true)
        case .uuid:
            switch value {
            case .string(let text): return Self.uuid(text)
            default: return nil
            }
        case .text:
            switch value {
            // PostgreSQL text cannot hold NUL.
            case .string(let text) where !text.isEmpty && !text.utf8.contains(0): return UserID(text: text, isInteger: false)
            case .number(let json): return json.int64.map { UserID(text: String($0), isInteger: false) }
            default: return nil
            }
        }
    }

    /// Python's `uuid.UUID(hex=text)`, which Django's UUIDField uses: "urn:" and "uuid:" removed,
    /// braces stripped, hyphens dropped anywhere, then exactly 32 hex digits. Canonical form out.
    static func uuid(_ text: String) -> UserID? {
        var hex = removing("uuid:", from: removing("urn:", from: text))
        while hex.hasPrefix("{") { hex.removeFirst() }
        while hex.hasSuffix("}") { hex.removeLast() }
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: "-") })
        guard digits.count == 32, digits.allSatisfy({ $0.isHexDigit }) else { return nil }
        var canonical = [UInt8]()
        for (index, digit) in digits.enumerated() {
            if [8, 12, 16, 20].contains(index) { canonical.append(UInt8(ascii: "-")) }
            canonical.append(digit >= UInt8(ascii: "A") && digit <= UInt8(ascii: "F") ? digit + 32 : digit)
        }
        return UserID(text: String(decoding: canonical, as: UTF8.self), isInteger: false)
    }
}

/// `text` with every occurrence of `part` taken out (Python's `str.replace(part, "")`).
private func removing(_ part: String, from text: String) -> String {
    text.split(separator: part, omittingEmptySubsequences: false).joined()
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

/// The user id claim (USER_ID_CLAIM) of a verified token, as simplejwt treats it. Public for the
/// fuzz harness (Sources/FuzzHarness).
package enum UserIDClaim: Equatable {
    /// No claim at all.
    case absent
    /// A value no user can have (null, 0, "abc", a list...): "User not found" territory.
    case unusable
    /// A usable user id.
    case id(UserID)

    package init(_ claims: JSONObject, claim: String, kind: UserIDKind) {
        guard let value = claims[claim] else {
            self = .absent
            return
        }
        self = kind.id(from: value).map { .id($0) } ?? .unusable
    }

    /// Python truthiness of the claim: simplejwt's refresh skips the user check for falsy ids.
    package static func isFalsy(_ claims: JSONObject, claim: String) -> Bool {
        switch claims[claim] {
        case nil, .null?: true
        case .string(let text)?: text.isEmpty
        case .number(let number)?: number.double == 0
        case .bool(let flag)?: !flag
        case .array(let items)?: items.isEmpty
        case .object(let members)?: members.count == 0
        }
    }

    /// The id; nil when the claim is absent or unusable.
    package var id: UserID? {
        if case .id(let id) = self { return id }
        return nil
    }
}
