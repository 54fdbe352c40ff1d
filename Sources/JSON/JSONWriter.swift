// Compact JSON output for responses and token payloads, byte-compatible with Python's
// json.dumps(obj, ensure_ascii=False, separators=(",", ":")) plus DRF's U+2028/U+2029 escaping.

/// Appends compact JSON to ``bytes``.
///
/// Write a whole ``JSONValue`` with ``write(_:)``, or build output by hand without allocating
/// a value tree; separators are inserted automatically:
///
/// ```swift
/// var w = JSONWriter()
/// w.beginObject()
/// w.key("a"); w.writeInt(1)
/// w.key("b"); w.writeString("x")
/// w.endObject()          // w.bytes == Array(#"{"a":1,"b":"x"}"#.utf8)
/// ```
///
/// Inside an object call ``key(_:)`` before each value; inside an array just write values.
/// Used in that order the output is always valid JSON.
public struct JSONWriter {
    /// The output so far.
    public var bytes: [UInt8]

    /// Whether the next value or key in the current container needs a leading comma.
    /// A single flag suffices: `begin*` clears it, and after any value or `end*` the enclosing
    /// container has at least one element, so it is set. `key(_:)` clears it for its value.
    private var needsComma = false

    /// Creates a writer with `capacity` bytes reserved.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Whole values

    /// Writes any value (recursively for arrays and objects; members in order, duplicates kept).
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            writeNull()
        case .bool(let b):
            writeBool(b)
        case .number(let n):
            writeNumber(n)
        case .string(let s):
            writeString(s)
        case .array(let elements):
            beginArray()
            for element in elements { write(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members {
                key(member.key)
                write(member.value)
            }
            endObject()
        }
    }

    // MARK: Containers

    /// Starts an object (as a value: preceded by a comma when needed).
    public mutating func beginObject() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Ends the innermost object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Starts an array (as a value: preceded by a comma when needed).
    public mutating func beginArray() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Ends the innermost array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object member's key and the colon; follow it with exactly one value.
    public mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Scalars

    /// Writes a quoted, escaped string.
    public mutating func writeString(_ s: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(s)
        needsComma = true
    }

    /// Writes an integer in decimal.
    public mutating func writeInt(_ value: Int64) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendDecimal(value)
        needsComma = true
    }

    /// Writes an integer in decimal.
    public mutating func writeInt(_ value: Int) {
        writeInt(Int64(value))
    }

    /// Writes a number as its literal.
    public mutating func writeNumber(_ number: JSONNumber) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: number.literal.utf8)
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func writeBool(_ value: Bool) {
        writeRaw(value ? "true" : "false")
    }

    /// Writes `null`.
    public mutating func writeNull() {
        writeRaw("null")
    }

    /// Writes pre-encoded JSON as one value (preceded by a comma when needed).
    /// The caller guarantees `json` is exactly one valid JSON value, e.g. a constant.
    public mutating func writeRaw(_ json: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        json.withUTF8Buffer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    /// Writes pre-encoded JSON bytes as one value, e.g. the output of another writer.
    /// The caller guarantees `json` is exactly one valid JSON value.
    public mutating func writeRaw(_ json: [UInt8]) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: json)
        needsComma = true
    }

    // MARK: Encoding

    private mutating func appendQuoted(_ s: String) {
        var s = s
        // withUTF8 gives contiguous bytes (copying once only for bridged strings).
        s.withUTF8 { appendQuoted(utf8: $0) }
    }

    /// Escapes as Python's json.dumps(ensure_ascii=False) does, plus U+2028/U+2029 as DRF does
    /// (they are line terminators in JavaScript). Runs of safe bytes are copied in bulk.
    private mutating func appendQuoted(utf8 src: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        let n = src.count
        var runStart = 0
        var i = 0
        while i < n {
            // Skip 8 bytes at a time while none of them can need escaping.
            if let base = src.baseAddress, i + 8 <= n {
                let word = loadWord(base, i)
                if !(wordContains(word, UInt8(ascii: "\"")) || wordContains(word, UInt8(ascii: "\\"))
                    || wordContainsControl(word) || wordContains(word, 0xE2)) {
                    i += 8
                    continue
                }
            }
            let byte = src[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2 {
                i += 1
                continue
            }
            if byte == 0xE2 {
                // U+2028 is E2 80 A8 and U+2029 is E2 80 A9; other E2 sequences pass through.
                guard i + 2 < n, src[i + 1] == 0x80, src[i + 2] == 0xA8 || src[i + 2] == 0xA9 else {
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: src[runStart..<i]))
                appendASCII(src[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                i += 3
                runStart = i
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: src[runStart..<i]))
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"")
            case UInt8(ascii: "\\"): appendASCII("\\\\")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            default:
                // Remaining C0 controls as \u00xx with lowercase hex, as Python writes them.
                appendASCII("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0x0F))
            }
            i += 1
            runStart = i
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: src[runStart..<n]))
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    @inline(__always)
    private mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendDecimal(_ value: Int64) {
        // Work on the magnitude so Int64.min needs no special case.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}

extension JSONValue {
    /// Compact JSON encoding of this value as UTF-8 bytes.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Compact JSON encoding of this value as a String.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
