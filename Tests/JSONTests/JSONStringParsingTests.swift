// String rules: escapes, \u surrogate pairs, raw control characters, and strict UTF-8 validation.

import Testing
import JSON

@Suite("String parsing")
struct JSONStringParsingTests {
    func string(_ json: String) throws -> String? {
        try JSONParser.parse(json).stringValue
    }

    func string(_ bytes: [UInt8]) throws -> String? {
        try JSONParser.parse(bytes).stringValue
    }

    @Test("the eight short escapes")
    func shortEscapes() throws {
        #expect(try string(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(try string(#""a\nb""#) == "a\nb")
    }

    @Test("other escapes are rejected",
          arguments: [#""\a""#, #""\x41""#, #""\'""#, #""\0""#, #""\U0041""#, #""\ ""#, #""\v""#, #""\e""#])
    func invalidEscapes(input: String) {
        #expect(parseError(input) == JSONError(kind: .invalidEscape, offset: 1))
    }

    @Test("\\u needs exactly four hex digits, either case")
    func unicodeEscapes() throws {
        #expect(try string(#""\u0041\u00e9\u00E9\u20AC""#) == "Aéé€")
        #expect(try string(#""\u00411""#) == "A1")
        #expect(parseError(#""\u004""#) == JSONError(kind: .invalidEscape, offset: 1))
        #expect(parseError(#""\u00G1""#) == JSONError(kind: .invalidEscape, offset: 1))
        #expect(parseError(#""x\u-041""#) == JSONError(kind: .invalidEscape, offset: 2))
        #expect(parseError(#""\u"#) == JSONError(kind: .unexpectedEnd, offset: 3))
    }

    @Test("\\u0000 is allowed and yields a NUL scalar")
    func escapedNul() throws {
        let s = try #require(try string(#""a\u0000b""#))
        #expect(Array(s.utf8) == [0x61, 0x00, 0x62])
        #expect(s.unicodeScalars.count == 3)
    }

    @Test("surrogate pairs combine into one scalar")
    func surrogatePairs() throws {
        let s = try #require(try string(#""\uD83D\uDE00""#))
        #expect(s == "😀")
        #expect(s.unicodeScalars.map(\.value) == [0x1F600])
        #expect(try string(#""\ud800\udc00\uDBFF\uDFFF""#)?.unicodeScalars.map(\.value) == [0x10000, 0x10FFFF])
    }

    @Test("lone or reversed surrogates are rejected with the offending unit",
          arguments: [
              (#""\uD800""#, 0xD800, 1),
              (#""\uDBFF x""#, 0xDBFF, 1),
              (#""\uDC00""#, 0xDC00, 1),
              (#""ab\uDFFF""#, 0xDFFF, 3),
              (#""\uDE00\uD83D""#, 0xDE00, 1),       // reversed pair
              (#""\uD83D\uD83D""#, 0xD83D, 1),       // high followed by high
              (#""\uD83D\u0041""#, 0xD83D, 1),       // high followed by non-surrogate
              (#""\uD83Dx\uDE00""#, 0xD83D, 1),      // pair not adjacent
              (#""\uD83D\nDE00""#, 0xD83D, 1),       // a different escape follows
          ] as [(String, Int, Int)])
    func loneSurrogates(input: String, unit: Int, offset: Int) {
        #expect(parseError(input) == JSONError(kind: .loneSurrogate(UInt16(unit)), offset: offset))
    }

    @Test("a high surrogate followed by a malformed \\u escape is an invalid escape")
    func highThenBadEscape() {
        #expect(parseError(#""\uD83D\uZZZZ""#) == JSONError(kind: .invalidEscape, offset: 7))
    }

    @Test("raw control characters in strings are rejected, escaped ones are fine")
    func controlCharacters() throws {
        for byte: UInt8 in 0x00...0x1F {
            let input: [UInt8] = [0x22, 0x61, byte, 0x22]
            #expect(parseError(input) == JSONError(kind: .controlCharacterInString, offset: 2), "byte \(byte)")
        }
        // DEL (0x7F) is not a JSON control character.
        #expect(try string([0x22, 0x7F, 0x22]) == "\u{7F}")
        #expect(try string(#""\u001f\u0009""#) == "\u{1F}\t")
    }

    @Test("valid multi-byte UTF-8 passes through unchanged",
          arguments: [
              [0xC2, 0x80] as [UInt8],            // U+0080, smallest 2-byte
              [0xDF, 0xBF],                       // U+07FF
              [0xE0, 0xA0, 0x80],                 // U+0800, smallest 3-byte
              [0xED, 0x9F, 0xBF],                 // U+D7FF, just below surrogates
              [0xEE, 0x80, 0x80],                 // U+E000, just above surrogates
              [0xEF, 0xBF, 0xBF],                 // U+FFFF
              [0xEF, 0xBB, 0xBF],                 // U+FEFF inside a string is fine
              [0xE2, 0x80, 0xA8],                 // U+2028
              [0xF0, 0x90, 0x80, 0x80],           // U+10000, smallest 4-byte
              [0xF4, 0x8F, 0xBF, 0xBF],           // U+10FFFF, largest scalar
          ])
    func validUTF8(sequence: [UInt8]) throws {
        let input = [0x22, 0x61] + sequence + [0x62, 0x22]
        let s = try #require(try string(input))
        #expect(Array(s.utf8) == [0x61] + sequence + [0x62])
    }

    @Test("malformed UTF-8 is rejected at the start of the bad sequence",
          arguments: [
              [0xC0, 0x80] as [UInt8],            // overlong NUL
              [0xC1, 0xBF],                       // overlong 2-byte
              [0xE0, 0x80, 0x80],                 // overlong 3-byte
              [0xE0, 0x9F, 0xBF],                 // overlong U+07FF
              [0xF0, 0x80, 0x80, 0x80],           // overlong 4-byte
              [0xF0, 0x8F, 0xBF, 0xBF],           // overlong U+FFFF
              [0xED, 0xA0, 0x80],                 // encoded high surrogate U+D800
              [0xED, 0xBF, 0xBF],                 // encoded low surrogate U+DFFF
              [0xF4, 0x90, 0x80, 0x80],           // U+110000, above the Unicode range
              [0xF5, 0x80, 0x80, 0x80],           // lead byte beyond F4
              [0xFF],                             // never valid
              [0xFE],
              [0x80],                             // lone continuation byte
              [0xBF],
              [0xE2, 0x82],                       // truncated 3-byte (euro sign without last byte)
              [0xF0, 0x9F, 0x98],                 // truncated 4-byte
              [0xC2],                             // truncated 2-byte
              [0xC2, 0x41],                       // lead followed by ASCII
              [0xE2, 0x28, 0xA1],                 // bad second byte
              [0xE2, 0x82, 0x28],                 // bad third byte
              [0xF0, 0x9F, 0x98, 0x28],           // bad fourth byte
          ])
    func invalidUTF8(sequence: [UInt8]) {
        let input = [0x22, 0x61] + sequence + [0x62, 0x22]
        #expect(parseError(input) == JSONError(kind: .invalidUTF8, offset: 2), "\(hex(sequence))")
    }

    @Test("a UTF-8 sequence cut off by the end of input is invalid UTF-8")
    func truncatedAtEnd() {
        #expect(parseError([0x22, 0xE2, 0x82]) == JSONError(kind: .invalidUTF8, offset: 1))
        #expect(parseError([0x22, 0xF0]) == JSONError(kind: .invalidUTF8, offset: 1))
    }

    @Test("non-ASCII bytes outside strings are unexpected")
    func nonASCIIOutsideStrings() {
        #expect(parseError([0x5B, 0xC3, 0xA9, 0x5D]) == JSONError(kind: .unexpectedByte(0xC3), offset: 1))
        #expect(parseError([0x80]) == JSONError(kind: .unexpectedByte(0x80), offset: 0))
    }

    @Test("long strings cross the 8-byte fast path boundaries correctly")
    func longStrings() throws {
        // Put a special byte at every position 0..<40 to exercise word and byte loops.
        for position in 0..<40 {
            var body = [UInt8](repeating: UInt8(ascii: "x"), count: 40)
            body[position] = UInt8(ascii: "\"")
            #expect(parseError([0x22] + body + [0x22]) == JSONError(kind: .trailingData, offset: position + 2))

            body[position] = 0x1F
            #expect(parseError([0x22] + body + [0x22]) == JSONError(kind: .controlCharacterInString, offset: position + 1))

            body[position] = 0x80
            #expect(parseError([0x22] + body + [0x22]) == JSONError(kind: .invalidUTF8, offset: position + 1))

            var escaped = [UInt8](repeating: UInt8(ascii: "y"), count: 40)
            escaped.replaceSubrange(position..<position, with: Array(#"\n"#.utf8))
            let s = try string([0x22] + escaped + [0x22])
            #expect(s == String(repeating: "y", count: position) + "\n" + String(repeating: "y", count: 40 - position))

            var accented = [UInt8](repeating: UInt8(ascii: "z"), count: 40)
            accented.replaceSubrange(position..<position, with: [0xC3, 0xA9])
            #expect(try string([0x22] + accented + [0x22])?.unicodeScalars.count == 41)
        }
    }

    @Test("mixed escapes, UTF-8 and ASCII in one string")
    func mixed() throws {
        let input = Array(#""pre é \"q\" \u00e9 😀 \uD83D\uDE00 \\ post""#.utf8)
        #expect(try string(input) == "pre é \"q\" é 😀 😀 \\ post")
    }

    @Test("keys use the same string rules")
    func keys() throws {
        let value = try JSONParser.parse(#"{"\u0061\n":1,"é":2}"#)
        #expect(value.objectValue?.keys == ["a\n", "é"])
        #expect(parseError([0x7B, 0x22, 0xC0, 0x80, 0x22, 0x3A, 0x31, 0x7D]) == JSONError(kind: .invalidUTF8, offset: 2))
        #expect(parseError(#"{"\q":1}"#) == JSONError(kind: .invalidEscape, offset: 2))
    }
}

@Suite("Lone surrogate reporting")
struct LoneSurrogateReportingTests {
    @Test("lone surrogates become U+FFFD and are reported with their string; strict parse still refuses them")
    func reporting() throws {
        let input = Array(#"{"a":"x\ud800y","b":"\udc01","c":"\ud83d\ude00"}"#.utf8)
        let (value, lone) = try JSONParser.parseReportingLoneSurrogates(input)
        #expect(value.objectValue?["a"] == .string("x\u{FFFD}y"))
        #expect(lone.map(\.string) == ["x\u{FFFD}y", "\u{FFFD}"])
        #expect(lone.map(\.codeUnit) == [0xD800, 0xDC01])
        #expect(throws: JSONError.self) { try JSONParser.parse(input) }
    }
}

