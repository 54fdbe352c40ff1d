// JSONObject: source order, duplicate keys (kept, last wins), subscript semantics, Sequence.

import Testing
import JSON

@Suite("Objects")
struct JSONObjectTests {
    @Test("duplicate keys are all kept in source order and the last one wins")
    func duplicatesFromParser() throws {
        let object = try #require(try JSONParser.parse(#"{"alg":"none","x":1,"alg":"HS256"}"#).objectValue)
        #expect(object.count == 3)
        #expect(object.keys == ["alg", "x", "alg"])
        #expect(object["alg"] == .string("HS256"))
        #expect(object.hasDuplicateKeys)
        #expect(object.members[0].value == .string("none"))
    }

    @Test("hasDuplicateKeys is false for distinct keys")
    func noDuplicates() {
        #expect(!JSONObject().hasDuplicateKeys)
        #expect(!(["a": 1] as JSONObject).hasDuplicateKeys)
        #expect(!(["a": 1, "b": 2, "A": 3] as JSONObject).hasDuplicateKeys)
    }

    @Test("keys compare by code points, not canonical equivalence (as Python and RFC 8259 do)",
          arguments: [16, 40])  // below and above the pairwise/hashing threshold
    func codePointKeys(padding: Int) throws {
        // "\u{212A}" KELVIN SIGN is canonically equivalent to "K"; "e\u{301}" to "\u{E9}".
        var object = try #require(try JSONParser.parse(#"{"K":1,"\u212A":2,"\u00e9":3,"e\u0301":4}"#).objectValue)
        for i in 0..<padding { object.append(key: "pad\(i)", value: .null) }
        #expect(!object.hasDuplicateKeys)
        #expect(object["K"] == 1)
        #expect(object["\u{212A}"] == 2)
        #expect(object["\u{E9}"] == 3)
        #expect(object["e\u{301}"] == 4)
        object["K"] = nil
        #expect(object["\u{212A}"] == 2)
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONObject([(key: "K", value: 1)]) != JSONObject([(key: "\u{212A}", value: 1)]))
    }

    @Test("hasDuplicateKeys on larger objects (hashing path)", arguments: [2, 16, 17, 100])
    func largeObjects(size: Int) {
        var object = JSONObject()
        for i in 0..<size { object.append(key: "k\(i)", value: .number(JSONNumber(Int64(i)))) }
        #expect(!object.hasDuplicateKeys)
        object.append(key: "k\(size / 2)", value: .null)
        #expect(object.hasDuplicateKeys)
        #expect(object["k\(size / 2)"] == .null)
        #expect(object.count == size + 1)
    }

    @Test("duplicate at the very start and end of a long object")
    func duplicateAtEnds() {
        var object = JSONObject()
        for i in 0..<40 { object.append(key: "k\(i)", value: .null) }
        object.append(key: "k0", value: .bool(true))
        #expect(object.hasDuplicateKeys)
        #expect(object["k0"] == .bool(true))
    }

    @Test("subscript set replaces the last occurrence or appends")
    func subscriptSet() {
        var object = JSONObject([(key: "a", value: 1), (key: "b", value: 2), (key: "a", value: 3)])
        object["a"] = "x"
        #expect(object.members.map(\.key) == ["a", "b", "a"])
        #expect(object.members[0].value == 1)
        #expect(object.members[2].value == "x")
        object["c"] = true
        #expect(object.keys == ["a", "b", "a", "c"])
        #expect(object["c"] == .bool(true))
    }

    @Test("subscript set nil removes every occurrence")
    func subscriptRemove() {
        var object = JSONObject([(key: "a", value: 1), (key: "b", value: 2), (key: "a", value: 3)])
        object["a"] = nil
        #expect(object.keys == ["b"])
        #expect(object["a"] == nil)
        object["missing"] = nil
        #expect(object.count == 1)
        object["b"] = .null  // JSON null is a value, not removal
        #expect(object.count == 1)
        #expect(object["b"]?.isNull == true)
    }

    @Test("missing keys read as nil, distinct from null")
    func missingVersusNull() throws {
        let object = try #require(try JSONParser.parse(#"{"a":null}"#).objectValue)
        #expect(object["a"] == .null)
        #expect(object["b"] == nil)
    }

    @Test("iterating yields members in order")
    func sequence() {
        let object: JSONObject = ["z": 1, "a": 2, "m": 3]
        #expect(object.map(\.key) == ["z", "a", "m"])
        #expect(object.map(\.value) == [1, 2, 3])
        var seen: [String] = []
        for (key, _) in object { seen.append(key) }
        #expect(seen == ["z", "a", "m"])
        #expect(object.underestimatedCount == 3)
    }

    @Test("equality is structural and order-sensitive")
    func equality() {
        let ab: JSONObject = ["a": 1, "b": 2]
        #expect(ab == ["a": 1, "b": 2])
        #expect(ab != ["b": 2, "a": 1])
        #expect(ab != ["a": 1, "b": 3])
        #expect(ab != ["a": 1])
        #expect(ab != ["a": 1, "c": 2])
        #expect(JSONObject() == JSONObject([]))
        #expect(JSONObject().isEmpty)
    }

    @Test("dictionary literals keep duplicates as written")
    func literalDuplicates() {
        let object = JSONObject([(key: "a", value: 1), (key: "a", value: 2)])
        #expect(object.hasDuplicateKeys)
        #expect(object["a"] == 2)
    }
}
