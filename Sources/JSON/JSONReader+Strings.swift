// String decoding for JSONReader: the ASCII fast path, escapes, surrogate pairs and UTF-8 checks.
// Strings are built once from a byte slice (or from a reused scratch buffer when escaped).

extension JSONReader {
    /// Parses the string whose opening quote is at `index`.
    mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        var i = start
        // Fast path: printable ASCII without escapes, the common case for JWT claims and keys.
        // Skip 8 such bytes at a time, then find the stopping byte one at a time.
        while i + 8 <= end {
            let word = loadWord(base, i)
            if wordContains(word, quoteByte) || wordContains(word, backslashByte)
                || wordContainsControl(word) || wordContainsNonASCII(word) { break }
            i += 8
        }
        while i < end {
            let byte = bytes[i]
            if byte == quoteByte {
                index = i + 1
                return makeString(from: start, to: i)
            }
            if byte == backslashByte || byte < 0x20 || byte >= 0x80 { break }
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
            case quoteByte:
                index = i + 1
                guard escaped else { return makeString(from: start, to: i) }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                let text = String(decoding: scratch, as: UTF8.self)
                if let unit = currentLoneSurrogate {
                    loneSurrogates.append((text, unit))
                    currentLoneSurrogate = nil
                }
                return text
            case backslashByte:
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
        case quoteByte: decoded = quoteByte
        case backslashByte: decoded = backslashByte
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

    /// A lone surrogate escape: an error, or U+FFFD recorded against its string when replacing.
    mutating func loneSurrogate(_ unit: UInt16, at i: Int) throws(JSONError) -> UInt32 {
        guard replacesLoneSurrogates else { throw JSONError(kind: .loneSurrogate(unit), offset: i) }
        if currentLoneSurrogate == nil { currentLoneSurrogate = unit }
        return 0xFFFD
    }

    /// Decodes `\uXXXX` at `i`, pairing a high surrogate with an immediately following low one.
    mutating func decodeUnicodeEscape(at i: Int) throws(JSONError) -> Int {
        let unit = try hex4(at: i + 2, escapeStart: i)
        let scalar: UInt32
        var next = i + 6
        switch unit {
        case 0xD800...0xDBFF:
            // A high surrogate is only meaningful followed directly by `\u` + low surrogate.
            guard next + 1 < end, bytes[next] == backslashByte, bytes[next + 1] == UInt8(ascii: "u") else {
                scalar = try loneSurrogate(unit, at: i)
                break
            }
            let low = try hex4(at: next + 2, escapeStart: next)
            guard (0xDC00...0xDFFF).contains(low) else {
                scalar = try loneSurrogate(unit, at: i)
                break
            }
            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            scalar = try loneSurrogate(unit, at: i)
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
