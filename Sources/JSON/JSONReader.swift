// The recursive-descent core of JSONParser: a cursor over the input bytes that builds values.
// String decoding lives in JSONReader+Strings.swift; the public entry points in JSONParser.swift.

let quoteByte = UInt8(ascii: "\"")
let backslashByte = UInt8(ascii: "\\")

/// The parsing state: the input, a cursor and a reusable buffer for strings with escapes.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Same memory as `bytes`, for word-at-a-time loads; `bytes` is never empty here.
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var index = 0
    /// Decoded bytes of the current escaped string; reused so escapes cost no allocation each.
    var scratch: [UInt8] = []
    /// Decode lone surrogate escapes as U+FFFD instead of failing (see Options).
    let replacesLoneSurrogates: Bool
    /// The first lone surrogate of the string being parsed, when replacing them.
    var currentLoneSurrogate: UInt16?
    /// Strings that held lone surrogates, with the first one's code unit.
    var loneSurrogates: [(string: String, codeUnit: UInt16)] = []

    init(bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, maxDepth: Int, replacesLoneSurrogates: Bool = false) {
        self.bytes = bytes
        self.base = base
        self.end = bytes.count
        self.maxDepth = maxDepth
        self.replacesLoneSurrogates = replacesLoneSurrogates
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
        case quoteByte:
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
            guard bytes[index] == quoteByte else { throw JSONError(kind: .unexpectedByte(bytes[index]), offset: index) }
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
}
