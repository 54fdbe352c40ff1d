// Parser structure rules: one value, whitespace, literals, arrays/objects, trailing data, depth limit.

import Testing
import JSON

@Suite("Parser structure")
struct JSONParserTests {
    @Test("scalars at top level")
    func topLevelScalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("0") == .number(JSONNumber(0)))
        #expect(try JSONParser.parse("\"\"") == .string(""))
        #expect(try JSONParser.parse("\"abc\"") == .string("abc"))
    }

    @Test("containers keep order and nest")
    func containers() throws {
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{}") == .object(JSONObject()))
        let value = try JSONParser.parse(#"{"b":[1,{"c":null}],"a":true}"#)
        let expected: JSONValue = ["b": [1, ["c": .null]], "a": true]
        #expect(value == expected)
        #expect(value.objectValue?.keys == ["b", "a"])
    }

    @Test("the JWT payload from the benchmark")
    func jwtPayload() throws {
        let text = #"{"token_type":"access","exp":1694851098,"iat":1694851038,"jti":"a8970702205f4fb3ba31c61315c3be17","user_id":"1"}"#
        let object = try #require(try JSONParser.parse(text).objectValue)
        #expect(object.count == 5)
        #expect(object["token_type"]?.stringValue == "access")
        #expect(object["exp"]?.numberValue?.int64 == 1_694_851_098)
        #expect(object["iat"]?.numberValue?.int64 == 1_694_851_038)
        #expect(object["jti"]?.stringValue == "a8970702205f4fb3ba31c61315c3be17")
        #expect(object["user_id"]?.stringValue == "1")
        #expect(!object.hasDuplicateKeys)
    }

    @Test("all four whitespace characters are allowed around and between tokens")
    func whitespaceAllowed() throws {
        let value = try JSONParser.parse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n, \"b\":null} \t\r\n")
        #expect(value == ["a": [1, 2], "b": .null])
    }

    @Test("other whitespace is rejected",
          arguments: [
              ([0x0B, 0x31] as [UInt8], 0),             // vertical tab
              ([0x0C, 0x31], 0),                        // form feed
              ([0xC2, 0xA0, 0x31], 0),                  // NO-BREAK SPACE
              ([0x5B, 0xE2, 0x80, 0x83, 0x31, 0x5D], 1), // EM SPACE inside an array
          ])
    func otherWhitespaceRejected(input: [UInt8], offset: Int) {
        let error = parseError(input)
        #expect(error?.kind == .unexpectedByte(input[offset]))
        #expect(error?.offset == offset)
    }

    @Test("empty and whitespace-only input")
    func empty() {
        #expect(parseError("") == JSONError(kind: .empty, offset: 0))
        #expect(parseError(" \n\t\r") == JSONError(kind: .empty, offset: 4))
        let nilBuffer = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: JSONError(kind: .empty, offset: 0)) { try JSONParser.parse(nilBuffer) }
    }

    @Test("data after the value is rejected",
          arguments: [("1 2", 2), ("{} {}", 3), ("[]]", 2), ("null x", 5), ("\"a\"\"b\"", 3), ("1.5.3", 3), ("truex", 4), ("0x10", 1)])
    func trailingData(input: String, offset: Int) {
        #expect(parseError(input) == JSONError(kind: .trailingData, offset: offset))
    }

    @Test("a trailing NUL byte is trailing data, not ignored")
    func trailingNul() {
        #expect(parseError([0x31, 0x00]) == JSONError(kind: .trailingData, offset: 1))
    }

    @Test("literals must be exact and lowercase",
          arguments: [("True", 0), ("nul", 3), ("nulL", 3), ("fals", 4), ("tru e", 3), ("NaN", 0), ("Infinity", 0), ("-Infinity", 1), ("undefined", 0)])
    func badLiterals(input: String, offset: Int) {
        let error = parseError(input)
        #expect(error?.offset == offset)
        switch error?.kind {
        case .unexpectedByte?, .unexpectedEnd?, .invalidNumber?: break
        default: Issue.record("unexpected error \(String(describing: error)) for \(input)")
        }
    }

    @Test("truncated literal is an unexpected end")
    func truncatedLiteral() {
        #expect(parseError("tru") == JSONError(kind: .unexpectedEnd, offset: 3))
        #expect(parseError("[nul") == JSONError(kind: .unexpectedEnd, offset: 4))
    }

    @Test("trailing commas are rejected")
    func trailingCommas() {
        #expect(parseError("[1,]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "]")), offset: 3))
        #expect(parseError(#"{"a":1,}"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "}")), offset: 7))
        #expect(parseError("[,1]") == JSONError(kind: .unexpectedByte(UInt8(ascii: ",")), offset: 1))
        #expect(parseError("[1,,2]") == JSONError(kind: .unexpectedByte(UInt8(ascii: ",")), offset: 3))
        #expect(parseError("{,}") == JSONError(kind: .unexpectedByte(UInt8(ascii: ",")), offset: 1))
    }

    @Test("comments are rejected")
    func comments() {
        #expect(parseError("// c\n1") == JSONError(kind: .unexpectedByte(UInt8(ascii: "/")), offset: 0))
        #expect(parseError("[1/*c*/]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "/")), offset: 2))
        #expect(parseError("1 # c") == JSONError(kind: .trailingData, offset: 2))
    }

    @Test("single quotes and unquoted keys are rejected")
    func quotes() {
        #expect(parseError("'a'") == JSONError(kind: .unexpectedByte(UInt8(ascii: "'")), offset: 0))
        #expect(parseError("{'a':1}") == JSONError(kind: .unexpectedByte(UInt8(ascii: "'")), offset: 1))
        #expect(parseError("{a:1}") == JSONError(kind: .unexpectedByte(UInt8(ascii: "a")), offset: 1))
        #expect(parseError("{1:1}") == JSONError(kind: .unexpectedByte(UInt8(ascii: "1")), offset: 1))
    }

    @Test("object and array punctuation")
    func punctuation() {
        #expect(parseError(#"{"a" 1}"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "1")), offset: 5))
        #expect(parseError(#"{"a"=1}"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "=")), offset: 4))
        #expect(parseError(#"{"a":1 "b":2}"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "\"")), offset: 7))
        #expect(parseError("[1 2]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "2")), offset: 3))
        #expect(parseError(#"{"a":}"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "}")), offset: 5))
        #expect(parseError("[1}") == JSONError(kind: .unexpectedByte(UInt8(ascii: "}")), offset: 2))
        #expect(parseError(#"{"a":1]"#) == JSONError(kind: .unexpectedByte(UInt8(ascii: "]")), offset: 6))
        #expect(parseError("]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "]")), offset: 0))
    }

    @Test("unterminated containers and strings end unexpectedly",
          arguments: ["[", "[1", "[1,", "{", #"{"a""#, #"{"a":"#, #"{"a":1"#, #"{"a":1,"#, "\"abc", "\"a\\", "[\"\\u12"])
    func unexpectedEnd(input: String) {
        #expect(parseError(input) == JSONError(kind: .unexpectedEnd, offset: input.utf8.count))
    }

    @Test("a UTF-8 byte order mark is rejected")
    func byteOrderMark() {
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x31]) == JSONError(kind: .unexpectedByte(0xEF), offset: 0))
        #expect(parseError([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)) == JSONError(kind: .unexpectedByte(0xEF), offset: 0))
    }

    @Test("the three parse overloads agree")
    func overloads() throws {
        let text = #"{"k":["v",1.5,true]}"#
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(Array(text.utf8))
        let fromRaw = try Array(text.utf8).withUnsafeBytes { raw throws(JSONError) in try JSONParser.parse(raw) }
        #expect(fromString == fromArray)
        #expect(fromString == fromRaw)
    }

    @Test("parsing a slice of a larger buffer stops at the slice's end")
    func bufferSlice() throws {
        let bytes = Array("[1,2]XYZ".utf8)
        let value = try bytes.withUnsafeBytes { raw throws(JSONError) in
            try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<5]))
        }
        #expect(value == [1, 2])
    }

    @Test("error descriptions name the problem and offset but never the input")
    func descriptions() {
        #expect(JSONError(kind: .empty, offset: 0).description == "Expecting value at byte 0")
        #expect(parseError("[1,]")?.description == "Unexpected character at byte 3")
        let secret = #"{"password":"hunter2"#
        let error = parseError(secret)
        #expect(error == JSONError(kind: .unexpectedEnd, offset: secret.utf8.count))
        #expect(error.map { !$0.description.contains("hunter2") } == true)
        let kinds: [JSONError.Kind] = [.unexpectedEnd, .unexpectedByte(0x41), .invalidUTF8, .invalidEscape,
                                       .loneSurrogate(0xD800), .controlCharacterInString, .invalidNumber,
                                       .tooDeep, .trailingData, .empty]
        let descriptions = kinds.map { JSONError(kind: $0, offset: 7).description }
        #expect(Set(descriptions).count == kinds.count)
        for description in descriptions {
            #expect(description.hasSuffix(" at byte 7"))
            // Neither the offending byte (0x41) nor the surrogate (D800) is echoed.
            #expect(!description.contains("41") && !description.lowercased().contains("d800"))
        }
    }
}
