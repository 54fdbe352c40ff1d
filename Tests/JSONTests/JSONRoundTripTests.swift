// Round trips: parse -> serialize -> parse is the identity, and writer output is canonical.

import Testing
import JSON

@Suite("Round trips")
struct JSONRoundTripTests {
    @Test("compact documents re-serialize to the same bytes",
          arguments: [
              "null", "true", "false", "0", "-0", "1.5e-7", "\"\"", "[]", "{}",
              #"{"a":[1,2,{"b":null}],"c":"d"}"#,
              #"[[[[[]]]],{},{"":""}]"#,
              #"{"k":1,"k":2}"#,
              #""\u0000\u001f\\\"\b\f\n\r\t""#,
              "\"é😀\u{7F}/\"",
              #""\u2028\u2029""#,
          ])
    func canonical(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value.serializedString() == text)
    }

    @Test("documents with whitespace and redundant escapes normalize, then stay fixed",
          arguments: [
              (" [ 1 , 2 ]\n", "[1,2]"),
              (#"{ "a" : "\/\u0041\u00e9\ud83d\ude00" }"#, "{\"a\":\"/Aé😀\"}"),
              (#""\u000B""#, #""\u000b""#),
              ("\"\u{2028}\"", #""\u2028""#),
          ])
    func normalizing(input: String, expected: String) throws {
        let value = try JSONParser.parse(input)
        let once = value.serializedString()
        #expect(once == expected)
        #expect(try JSONParser.parse(once) == value)
        #expect(try JSONParser.parse(once).serializedString() == once)
    }

    @Test("every scalar class survives a round trip")
    func scalars() throws {
        var scalars: [Unicode.Scalar] = []
        for value in Array(0..<0x300) + [0x2027, 0x2028, 0x2029, 0x202A, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF] {
            if let scalar = Unicode.Scalar(UInt32(value)) { scalars.append(scalar) }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        let value = JSONValue.object(JSONObject([(key: String(s), value: .string(String(s)))]))
        let bytes = value.serialized()
        #expect(try JSONParser.parse(bytes) == value)
        #expect(try JSONParser.parse(bytes).serialized() == bytes)
    }
}
