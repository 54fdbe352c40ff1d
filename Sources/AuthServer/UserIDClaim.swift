// The `user_id` claim of a verified token, read as simplejwt reads it.
package import JSON

/// The `user_id` claim as simplejwt treats it. Public for the fuzz harness (Sources/FuzzHarness).
package enum UserIDClaim {
    /// No claim at all.
    case absent
    /// A value no user can have (null, 0, "abc", a list...): "User not found" territory.
    case unusable
    /// A usable user id.
    case id(Int64)

    package init(_ claims: JSONObject) {
        guard let value = claims["user_id"] else {
            self = .absent
            return
        }
        switch value {
        case .string(let text):
            if let id = Int64(text), id > 0, String(id) == text { self = .id(id) } else { self = .unusable }
        case .number(let number):
            if let id = number.int64, id > 0 { self = .id(id) } else { self = .unusable }
        default:
            self = .unusable
        }
    }

    /// Python truthiness of the claim: simplejwt's refresh skips the user check for falsy ids.
    package static func isFalsy(_ claims: JSONObject) -> Bool {
        switch claims["user_id"] {
        case nil, .null?: true
        case .string(let text)?: text.isEmpty
        case .number(let number)?: number.double == 0
        case .bool(let flag)?: !flag
        case .array(let items)?: items.isEmpty
        case .object(let members)?: members.count == 0
        }
    }

    /// The id; nil when the claim is absent or unusable.
    package var id: Int64? {
        if case .id(let id) = self { return id }
        return nil
    }
}
