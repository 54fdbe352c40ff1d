// JSONValue accessors and literal conformances.

import Testing
import JSON

@Suite("Values")
struct JSONValueTests {
    @Test("each accessor returns its payload only for its own case")
    func accessors() {
        let values: [JSONValue] = [.null, .bool(false), .number(JSONNumber(3)), .string("s"), .array([.null]), .object(["k": 1])]
        for (index, value) in values.enumerated() {
            #expect(value.isNull == (index == 0))
            #expect((value.boolValue != nil) == (index == 1))
            #expect((value.numberValue != nil) == (index == 2))
            #expect((value.stringValue != nil) == (index == 3))
            #expect((value.arrayValue != nil) == (index == 4))
            #expect((value.objectValue != nil) == (index == 5))
        }
        #expect(values[1].boolValue == false)
        #expect(values[2].numberValue?.int64 == 3)
        #expect(values[3].stringValue == "s")
        #expect(values[4].arrayValue == [.null])
        #expect(values[5].objectValue?["k"] == 1)
        #expect(values[5]["k"] == 1)
        #expect(values[3]["k"] == nil)
    }

    @Test("literals build the expected cases")
    func literals() {
        let value: JSONValue = ["s": "x", "n": -5, "b": true, "a": [1, "two", false], "o": [:]]
        let expected = JSONValue.object(JSONObject([
            (key: "s", value: .string("x")),
            (key: "n", value: .number(JSONNumber(-5))),
            (key: "b", value: .bool(true)),
            (key: "a", value: .array([.number(JSONNumber(1)), .string("two"), .bool(false)])),
            (key: "o", value: .object(JSONObject())),
        ]))
        #expect(value == expected)
    }

    @Test("different cases are never equal")
    func crossCaseInequality() {
        #expect(JSONValue.string("1") != .number(JSONNumber(1)))
        #expect(JSONValue.bool(false) != .null)
        #expect(JSONValue.array([]) != .object(JSONObject()))
        #expect(JSONValue.string("") != .null)
    }
}
