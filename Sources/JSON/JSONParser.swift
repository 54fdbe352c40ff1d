// Strict RFC 8259 parser for untrusted input (JWT segments, request bodies).
// Works on raw bytes with an index, never traps, and bounds recursion by Options.maxDepth.

/// Parses exactly one JSON value, strictly per RFC 8259.
///
/// Rejected, among others: comments, trailing commas, single quotes, `NaN`/`Infinity`,
/// leading zeros, `+1`, `.5`, `1.`, raw control characters in strings, invalid escapes,
/// unpaired surrogate escapes, malformed UTF-8, a byte order mark, and trailing data.
/// Duplicate object keys are kept; see ``JSONObject/hasDuplicateKeys``.
public struct JSONParser {
    /// Limits applied while parsing.
    public struct Options: Sendable {
        /// How many arrays/objects may be nested. Deeper input fails with ``JSONError/Kind/tooDeep``.
        ///
        /// The parser recurses once per level, and comparing, serializing and freeing a value
        /// also recurse, so this is what keeps hostile input from exhausting the stack.
        /// Values below zero behave like zero (only scalars are accepted).
        public var maxDepth: Int = 64

        public init(maxDepth: Int = 64) {
            self.maxDepth = maxDepth
        }
    }

    /// Parses `bytes`, which must hold exactly one JSON value and optional whitespace.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: Options = .init()) throws(JSONError) -> JSONValue {
        // Rebinding to UInt8 is valid for any initialized bytes and lets us use typed pointers.
        let result = bytes.withMemoryRebound(to: UInt8.self) { typed -> Result<JSONValue, JSONError> in
            guard let base = typed.baseAddress, !typed.isEmpty else {
                return .failure(JSONError(kind: .empty, offset: 0))
            }
            var reader = Reader(bytes: typed, base: base, maxDepth: options.maxDepth)
            return Result { () throws(JSONError) in try reader.parseDocument() }
        }
        return try result.get()
    }

    /// Parses a byte array holding exactly one JSON value.
    public static func parse(_ bytes: [UInt8], options: Options = .init()) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parse(raw, options: options) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 encoding of `text`.
    public static func parse(_ text: String, options: Options = .init()) throws(JSONError) -> JSONValue {
        var text = text
        // withUTF8 makes bridged/foreign strings contiguous first, so this never copies per byte.
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8), options: options) }
        }
        return try result.get()
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

/// The parsing state: the input, a cursor and a reusable buffer for strings with escapes.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Same memory as `bytes`, for word-at-a-time loads; `bytes` is never empty here.
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var index = 0
    /// Decoded bytes of the current escaped string; reused so escapes cost no allocation each.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.base = base
        self.end = bytes.count
        self.maxDepth = maxDepth
    }

    // MARK: Document and values

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard index < end else { throw JSONError(kind: .empty, offset: index) }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == end else { throw JSONError(kind: .trailingData, offset: index) }
        return value
    }

    /// Parses the value at `index` (whitespace already skipped).
    /// `depth` is the number of arrays/objects enclosing it.
    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
        let byte = bytes[index]
        switch byte {
        case quote:
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw JSONError(kind: .unexpectedByte(byte), offset: index)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        // Checked before descending, so recursion never exceeds maxDepth levels.
        guard depth < maxDepth else { throw JSONError(kind: .tooDeep, offset: index) }
        index += 1
        skipWhitespace()
        guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(8)
        while true {
            // Key: only a string may start a member, which also rejects trailing commas.
            guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            guard bytes[index] == quote else { throw JSONError(kind: .unexpectedByte(bytes[index]), offset: index) }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append((key: key, value: value))
            skipWhitespace()
            guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(members))
            case let other:
                throw JSONError(kind: .unexpectedByte(other), offset: index)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < maxDepth else { throw JSONError(kind: .tooDeep, offset: index) }
        index += 1
        skipWhitespace()
        guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        var elements: [JSONValue] = []
        while true {
            // parseValue rejects "]" here, so "[1,]" fails.
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case let other:
                throw JSONError(kind: .unexpectedByte(other), offset: index)
            }
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = index
        index = try JSONNumber.scan(bytes, from: start)
        return JSONNumber(validatedLiteral: makeString(from: start, to: index))
    }

    /// Matches `true`, `false` or `null` at `index`.
    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        let text = word.utf8Start
        for k in 0..<count {
            guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            guard bytes[index] == text[k] else { throw JSONError(kind: .unexpectedByte(bytes[index]), offset: index) }
            index += 1
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONError) {
        guard index < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
        guard bytes[index] == byte else { throw JSONError(kind: .unexpectedByte(bytes[index]), offset: index) }
        index += 1
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < end {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                index += 1
            default:
                return
            }
        }
    }

    @inline(__always)
    func makeString(from start: Int, to stop: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at `index`.
    mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        var i = start
        // Fast path: printable ASCII without escapes, the common case for JWT claims and keys.
        // Skip 8 such bytes at a time, then find the stopping byte one at a time.
        while i + 8 <= end {
            let word = loadWord(base, i)
            if wordContains(word, quote) || wordContains(word, backslash)
                || wordContainsControl(word) || wordContainsNonASCII(word) { break }
            i += 8
        }
        while i < end {
            let byte = bytes[i]
            if byte == quote {
                index = i + 1
                return makeString(from: start, to: i)
            }
            if byte == backslash || byte < 0x20 || byte >= 0x80 { break }
            i += 1
        }
        return try parseStringSlow(start: start, resumeAt: i)
    }

    /// Handles escapes and non-ASCII text, validating UTF-8 as it goes.
    mutating func parseStringSlow(start: Int, resumeAt: Int) throws(JSONError) -> String {
        var i = resumeAt
        var escaped = false       // once true, the result is assembled in `scratch`
        var runStart = start      // first byte not yet copied to `scratch`
        while true {
            guard i < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            let byte = bytes[i]
            switch byte {
            case quote:
                index = i + 1
                guard escaped else { return makeString(from: start, to: i) }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                return String(decoding: scratch, as: UTF8.self)
            case backslash:
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                i = try decodeEscape(at: i)
                runStart = i
            case 0..<0x20:
                throw JSONError(kind: .controlCharacterInString, offset: i)
            case 0x20..<0x80:
                i += 1
            default:
                i = try validateUTF8Sequence(at: i)
            }
        }
    }

    /// Validates one multi-byte UTF-8 sequence starting at `i` and returns the index after it.
    /// Follows the well-formed table of RFC 3629 / Unicode 3.9 D92, which excludes overlong
    /// forms, encoded surrogates (ED A0..BF) and code points above U+10FFFF.
    func validateUTF8Sequence(at i: Int) throws(JSONError) -> Int {
        let lead = bytes[i]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default:
            // Stray continuation bytes 80..BF, overlong leads C0/C1, and F5..FF.
            throw JSONError(kind: .invalidUTF8, offset: i)
        }
        guard end - i >= length else { throw JSONError(kind: .invalidUTF8, offset: i) }
        let second = bytes[i + 1]
        guard second >= secondLow && second <= secondHigh else { throw JSONError(kind: .invalidUTF8, offset: i) }
        var k = 2
        while k < length {
            guard bytes[i + k] & 0xC0 == 0x80 else { throw JSONError(kind: .invalidUTF8, offset: i) }
            k += 1
        }
        return i + length
    }

    /// Decodes the escape whose backslash is at `i` into `scratch`; returns the index after it.
    mutating func decodeEscape(at i: Int) throws(JSONError) -> Int {
        guard i + 1 < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
        let decoded: UInt8
        switch bytes[i + 1] {
        case quote: decoded = quote
        case backslash: decoded = backslash
        case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: i)
        default:
            throw JSONError(kind: .invalidEscape, offset: i)
        }
        scratch.append(decoded)
        return i + 2
    }

    /// Decodes `\uXXXX` at `i`, pairing a high surrogate with an immediately following low one.
    mutating func decodeUnicodeEscape(at i: Int) throws(JSONError) -> Int {
        let unit = try hex4(at: i + 2, escapeStart: i)
        let scalar: UInt32
        var next = i + 6
        switch unit {
        case 0xD800...0xDBFF:
            // A high surrogate is only meaningful followed directly by `\u` + low surrogate.
            guard next + 1 < end, bytes[next] == backslash, bytes[next + 1] == UInt8(ascii: "u") else {
                throw JSONError(kind: .loneSurrogate(unit), offset: i)
            }
            let low = try hex4(at: next + 2, escapeStart: next)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONError(kind: .loneSurrogate(unit), offset: i)
            }
            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw JSONError(kind: .loneSurrogate(unit), offset: i)
        default:
            scalar = UInt32(unit)
        }
        appendUTF8(scalar)
        return next
    }

    /// Reads four hex digits at `i`; errors point at the escape's backslash.
    func hex4(at i: Int, escapeStart: Int) throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for k in 0..<4 {
            guard i + k < end else { throw JSONError(kind: .unexpectedEnd, offset: end) }
            let byte = bytes[i + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONError(kind: .invalidEscape, offset: escapeStart)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Appends the UTF-8 encoding of a scalar (never a surrogate, at most U+10FFFF).
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(truncatingIfNeeded: scalar >> 6))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(truncatingIfNeeded: scalar >> 12))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        }
    }
}
