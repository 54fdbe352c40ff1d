// Number grammar (RFC 8259 section 6) and the literal-preserving JSONNumber accessors.

import Testing
import JSON

@Suite("Numbers")
struct JSONNumberTests {
    @Test("valid literals parse and keep their exact text",
          arguments: ["0", "-0", "1", "-1", "10", "123456789", "0.5", "-0.5", "1.25", "0e0", "0E0",
                      "1e5", "1E5", "1e+5", "1e-5", "-1.5E-10", "0.000", "1.0", "100.001e010",
                      "123456789012345678901234567890", "1e400", "-1e400", "4.9e-324"])
    func validLiterals(literal: String) throws {
        #expect(try JSONParser.parse(literal) == .number(try #require(JSONNumber(literal: literal))))
        #expect(try JSONParser.parse(literal).numberValue?.literal == literal)
        #expect(try JSONParser.parse("[\(literal)]").arrayValue?.first?.numberValue?.literal == literal)
    }

    @Test("grammar violations are invalid numbers at the offending byte",
          arguments: [("01", 1), ("-01", 2), ("00", 1), ("1.", 2), ("1.e5", 2), ("-", 1), ("-a", 1),
                      ("1e", 2), ("1e+", 3), ("1E-", 3), ("1ee5", 2), ("-.5", 1), ("0.", 2), ("--1", 1), ("1.5e", 4)])
    func invalidLiterals(literal: String, offset: Int) {
        #expect(parseError(literal) == JSONError(kind: .invalidNumber, offset: offset))
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test("things that are not numbers at all are unexpected bytes",
          arguments: ["+1", ".5", "NaN", "Infinity", "+Infinity", "0x10"])
    func notNumbers(literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
        let error = parseError(literal)
        #expect(error != nil)
        #expect(error?.kind != .invalidNumber)
    }

    @Test("invalid numbers inside containers")
    func insideContainers() {
        #expect(parseError("[01]") == JSONError(kind: .invalidNumber, offset: 2))
        #expect(parseError(#"{"a":1.}"#) == JSONError(kind: .invalidNumber, offset: 7))
        #expect(parseError("[+1]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "+")), offset: 1))
        #expect(parseError("[.5]") == JSONError(kind: .unexpectedByte(UInt8(ascii: ".")), offset: 1))
        #expect(parseError("[1x]") == JSONError(kind: .unexpectedByte(UInt8(ascii: "x")), offset: 2))
    }

    @Test("init(literal:) wants exactly one number, no padding")
    func literalInitStrict() {
        #expect(JSONNumber(literal: "") == nil)
        #expect(JSONNumber(literal: " 1") == nil)
        #expect(JSONNumber(literal: "1 ") == nil)
        #expect(JSONNumber(literal: "1,") == nil)
        #expect(JSONNumber(literal: "٣") == nil)  // Arabic-Indic digit three
        #expect(JSONNumber(literal: "12")?.literal == "12")
    }

    @Test("init(Int64) writes decimal digits")
    func fromInt64() {
        #expect(JSONNumber(0).literal == "0")
        #expect(JSONNumber(-42).literal == "-42")
        #expect(JSONNumber(Int64.max).literal == "9223372036854775807")
        #expect(JSONNumber(Int64.min).literal == "-9223372036854775808")
        #expect(JSONNumber(7).description == "7")
    }

    @Test("isInteger is about the literal's form")
    func isInteger() throws {
        #expect(try #require(JSONNumber(literal: "12")).isInteger)
        #expect(try #require(JSONNumber(literal: "-0")).isInteger)
        #expect(try #require(JSONNumber(literal: "123456789012345678901234567890")).isInteger)
        #expect(try !#require(JSONNumber(literal: "1.0")).isInteger)
        #expect(try !#require(JSONNumber(literal: "1e2")).isInteger)
        #expect(try !#require(JSONNumber(literal: "1E2")).isInteger)
    }

    @Test("int64 is exact within range and nil outside or for non-integers",
          arguments: [("0", 0), ("-0", 0), ("1694851098", 1_694_851_098),
                      ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min)] as [(String, Int64)])
    func int64InRange(literal: String, expected: Int64) throws {
        #expect(try #require(JSONNumber(literal: literal)).int64 == expected)
    }

    @Test("int64 overflow and non-integers give nil",
          arguments: ["9223372036854775808", "-9223372036854775809", "18446744073709551616",
                      "99999999999999999999999", "1.0", "1e2", "0.5", "-0.0"])
    func int64Nil(literal: String) throws {
        #expect(try #require(JSONNumber(literal: literal)).int64 == nil)
    }

    @Test("double is finite or nil")
    func double() throws {
        #expect(try #require(JSONNumber(literal: "1.5")).double == 1.5)
        #expect(try #require(JSONNumber(literal: "-2.5e3")).double == -2500)
        #expect(try #require(JSONNumber(literal: "12")).double == 12)
        #expect(try #require(JSONNumber(literal: "1e400")).double == nil)
        #expect(try #require(JSONNumber(literal: "-1e400")).double == nil)
        #expect(try #require(JSONNumber(literal: "1.7976931348623157e308")).double == .greatestFiniteMagnitude)
        #expect(try #require(JSONNumber(literal: "1e-400")).double == 0)
        #expect(try #require(JSONNumber(literal: "9007199254740993")).double == 9_007_199_254_740_992)
    }

    @Test("-0 keeps its sign in the literal and the double")
    func negativeZero() throws {
        let n = try #require(try JSONParser.parse("-0").numberValue)
        #expect(n.literal == "-0")
        #expect(n.int64 == 0)
        let d = try #require(n.double)
        #expect(d == 0 && d.sign == .minus)
        #expect(n != JSONNumber(0))
        #expect(JSONValue.number(n).serializedString() == "-0")
    }

    @Test("equality compares literals, not numeric values")
    func literalEquality() throws {
        #expect(JSONNumber(literal: "1") == JSONNumber(1))
        #expect(JSONNumber(literal: "1.0") != JSONNumber(literal: "1"))
        #expect(JSONNumber(literal: "1e0") != JSONNumber(literal: "1E0"))
    }

    @Test("huge literals are kept without loss")
    func hugeLiteral() throws {
        let digits = String(repeating: "9", count: 5000)
        let value = try JSONParser.parse("[-\(digits).5e-99999]")
        #expect(value.arrayValue?.first?.numberValue?.literal == "-\(digits).5e-99999")
        #expect(value.serializedString() == "[-\(digits).5e-99999]")
    }
}
