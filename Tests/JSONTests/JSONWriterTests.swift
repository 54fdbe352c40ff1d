// Writer output: Python json.dumps(ensure_ascii=False, separators=(",", ":")) compatibility,
// DRF's U+2028/U+2029 escaping, and the hand-writing API.

import Testing
import JSON

@Suite("Writer")
struct JSONWriterTests {
    func encoded(_ s: String) -> String {
        JSONValue.string(s).serializedString()
    }

    @Test("string escaping table",
          arguments: [
              ("", #""""#),
              ("plain", #""plain""#),
              ("\"", #""\"""#),
              ("\\", #""\\""#),
              ("\u{8}", #""\b""#),
              ("\u{C}", #""\f""#),
              ("\n", #""\n""#),
              ("\r", #""\r""#),
              ("\t", #""\t""#),
              ("\u{0}", #""\u0000""#),
              ("\u{1}", #""\u0001""#),
              ("\u{B}", #""\u000b""#),
              ("\u{1F}", #""\u001f""#),
              ("\u{1B}[0m", #""\u001b[0m""#),
              ("\u{7F}", "\"\u{7F}\""),
              ("/", #""/""#),
              ("</script>", #""</script>""#),
              ("\u{2028}", #""\u2028""#),
              ("\u{2029}", #""\u2029""#),
              ("a\u{2028}b\u{2029}c", #""a\u2028b\u2029c""#),
              ("\u{2027}\u{202A}\u{20AC}", "\"\u{2027}\u{202A}\u{20AC}\""),  // other E2 80 xx / E2 82 AC pass raw
              ("é", "\"é\""),
              ("😀", "\"😀\""),
              ("\u{FEFF}", "\"\u{FEFF}\""),
              ("\u{85}", "\"\u{85}\""),  // NEL is not escaped by Python either
          ])
    func escaping(input: String, expected: String) {
        #expect(encoded(input) == expected)
    }

    @Test("all of ASCII matches Python's json.dumps output byte for byte")
    func asciiMatchesPython() {
        let input = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        // python3 -c 'import json; print(json.dumps("".join(map(chr, range(128))), ensure_ascii=False))'
        let python = ##""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"##
            + "\u{7F}\""
        #expect(encoded(input) == python)
    }

    @Test("escapes land correctly at every offset of a long string (8-byte fast path)")
    func escapesAtEveryOffset() {
        for position in 0..<40 {
            for (special, escaped) in [("\"", #"\""#), ("\n", #"\n"#), ("\u{2028}", #"\u2028"#), ("\u{1}", #"\u0001"#), ("é", "é")] {
                let prefix = String(repeating: "a", count: position)
                let suffix = String(repeating: "b", count: 40 - position)
                #expect(encoded(prefix + special + suffix) == "\"" + prefix + escaped + suffix + "\"")
            }
        }
    }

    @Test("compact output without spaces, members in order, duplicates kept")
    func compact() throws {
        let value: JSONValue = ["a": 1, "b": "x", "c": [true, false, .null], "d": [:], "e": []]
        #expect(value.serializedString() == #"{"a":1,"b":"x","c":[true,false,null],"d":{},"e":[]}"#)
        let duplicates = JSONValue.object(JSONObject([(key: "k", value: 1), (key: "k", value: 2)]))
        #expect(duplicates.serializedString() == #"{"k":1,"k":2}"#)
    }

    @Test("numbers are written as their literal")
    func numbers() throws {
        for literal in ["0", "-0", "1.50", "1E+2", "-1.5e-10", "123456789012345678901234567890"] {
            let number = try #require(JSONNumber(literal: literal))
            #expect(JSONValue.number(number).serializedString() == literal)
        }
        #expect(JSONValue.number(JSONNumber(Int64.min)).serializedString() == "-9223372036854775808")
    }

    @Test("serialized() and serializedString() agree")
    func bytesAndString() {
        let value: JSONValue = ["é": "\u{2028}"]
        #expect(value.serialized() == Array(value.serializedString().utf8))
    }

    @Test("writing an object by hand")
    func handWrittenObject() {
        var w = JSONWriter()
        w.beginObject()
        w.key("a"); w.writeInt(1 as Int64)
        w.key("b"); w.writeString("x")
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":1,"b":"x"}"#)
    }

    @Test("hand-written nesting, arrays and every scalar writer produce valid JSON")
    func handWrittenNested() throws {
        var w = JSONWriter(capacity: 8)
        w.beginObject()
        w.key("list")
        w.beginArray()
        w.writeInt(-1)
        w.writeInt(Int64.max)
        w.beginObject(); w.endObject()
        w.beginArray(); w.endArray()
        w.beginArray(); w.writeNull(); w.endArray()
        w.writeBool(true)
        w.writeBool(false)
        w.writeNull()
        w.writeRaw("{\"pre\":1}")
        w.writeNumber(try #require(JSONNumber(literal: "2.5e3")))
        w.writeString("s\"")
        w.endArray()
        w.key("empty"); w.beginObject(); w.endObject()
        w.key("k\n"); w.writeRaw(JSONValue.string("raw").serialized())
        w.key("v"); w.write(["x": [1]])
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"list":[-1,9223372036854775807,{},[],[null],true,false,null,{"pre":1},2.5e3,"s\""],"empty":{},"k\n":"raw","v":{"x":[1]}}"#)
        #expect(parseError(w.bytes) == nil)
    }

    @Test("writeInt covers the full Int64 range", arguments: [0, 7, -7, 10, 99, 100, -100, 1_694_851_098, Int64.max, Int64.min, Int64.min + 1])
    func writeInt(value: Int64) throws {
        var w = JSONWriter()
        w.writeInt(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == String(value))
    }

    @Test("a top-level array of values gets commas between elements only")
    func arrayCommas() {
        var w = JSONWriter()
        w.beginArray()
        for i in 0..<3 { w.writeInt(i) }
        w.endArray()
        #expect(w.bytes == Array("[0,1,2]".utf8))
    }

    @Test("writer output equals the JWT payload text byte for byte")
    func jwtPayload() throws {
        let text = #"{"token_type":"access","exp":1694851098,"iat":1694851038,"jti":"a8970702205f4fb3ba31c61315c3be17","user_id":"1"}"#
        #expect(try JSONParser.parse(text).serializedString() == text)
        var w = JSONWriter()
        w.beginObject()
        w.key("token_type"); w.writeString("access")
        w.key("exp"); w.writeInt(1_694_851_098)
        w.key("iat"); w.writeInt(1_694_851_038)
        w.key("jti"); w.writeString("a8970702205f4fb3ba31c61315c3be17")
        w.key("user_id"); w.writeString("1")
        w.endObject()
        #expect(w.bytes == Array(text.utf8))
    }
}
