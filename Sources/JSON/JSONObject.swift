// A JSON object as an ordered list of members, keeping source order and duplicate keys.
// Duplicates are kept (not merged) so that security-sensitive callers can detect and reject them.

/// The members of a JSON object in source order, duplicates included.
///
/// Lookup by key follows Python's `json` module: the last occurrence wins. Keys are compared
/// by code points (UTF-8 bytes), not by Swift's canonical equivalence, so `"\u{212A}"` (KELVIN
/// SIGN) and `"K"` are different keys, as in Python and RFC 8259. Equality is structural and
/// order-sensitive (same members, same order), which keeps round trips exact.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Member = (key: String, value: JSONValue)

    /// All members in source order; a key may appear more than once.
    public private(set) var members: [Member]

    /// Creates an object from members, kept as given (duplicates included).
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// Creates an object from a literal, in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`, as Python's `json` does for duplicates.
    ///
    /// Setting replaces the last member with that key (or appends a new member);
    /// setting nil removes every member with that key.
    public subscript(key: String) -> JSONValue? {
        get {
            // Search from the end: last occurrence wins.
            var i = members.endIndex
            while i > members.startIndex {
                i -= 1
                if utf8Equal(members[i].key, key) { return members[i].value }
            }
            return nil
        }
        set {
            guard let newValue else {
                members.removeAll { utf8Equal($0.key, key) }
                return
            }
            if let i = members.lastIndex(where: { utf8Equal($0.key, key) }) {
                members[i].value = newValue
            } else {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Appends a member without looking for an existing one with the same key.
    public mutating func append(key: String, value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// True when some key occurs more than once (compared by code points).
    public var hasDuplicateKeys: Bool {
        let n = members.count
        if n < 2 { return false }
        if n <= 16 {
            // Small objects (every JWT header) are cheaper to check pairwise than to hash.
            for i in 1..<n {
                for j in 0..<i where utf8Equal(members[i].key, members[j].key) { return true }
            }
            return false
        }
        var seen = Set<UTF8Key>(minimumCapacity: n)
        for member in members where !seen.insert(UTF8Key(string: member.key)).inserted { return true }
        return false
    }

    /// Number of members, duplicates included.
    public var count: Int { members.count }

    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The keys in source order, duplicates included.
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    public var underestimatedCount: Int { members.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (l, r) in zip(lhs.members, rhs.members) where !utf8Equal(l.key, r.key) || l.value != r.value {
            return false
        }
        return true
    }
}
