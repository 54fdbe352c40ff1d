// A JSON number kept as its exact source literal, with lossless accessors.
// Keeping the literal means no precision is lost between parsing and re-serializing.

/// A JSON number, stored as its literal text exactly as it appeared in the source.
///
/// Equality compares literals, so `1`, `1.0` and `1e0` are different numbers: this keeps
/// round trips exact. Use ``int64`` or ``double`` to compare numerically.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The number's text; always valid under the RFC 8259 number grammar.
    public let literal: String

    /// Creates a number from an integer; the literal is its decimal digits.
    public init(_ value: Int64) {
        literal = String(value)
    }

    /// Creates a number from a literal, or returns nil when `literal` is not exactly one
    /// RFC 8259 number (no surrounding whitespace, no `+`, no leading zeros, no `NaN`).
    public init?(literal: String) {
        var text = literal
        let valid = text.withUTF8 { utf8 -> Bool in
            guard !utf8.isEmpty, let end = try? JSONNumber.scan(utf8, from: 0) else { return false }
            return end == utf8.count
        }
        guard valid else { return nil }
        self.literal = text
    }

    /// For the parser, which has already validated the literal.
    init(validatedLiteral: String) {
        literal = validatedLiteral
    }

    /// True when the literal has neither a fraction nor an exponent.
    public var isInteger: Bool {
        var text = literal
        return text.withUTF8 { utf8 in
            !utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        }
    }

    /// The exact value when the literal is an integer that fits in `Int64`, else nil.
    /// `1.0` and `1e2` give nil because they are not integer literals.
    public var int64: Int64? {
        // Raw buffer access: JWT verification reads exp/iat/nbf on every request.
        var text = literal
        return text.withUTF8(Self.exactInt64)
    }

    private static func exactInt64(_ utf8: UnsafeBufferPointer<UInt8>) -> Int64? {
        var accumulated: Int64 = 0
        var negative = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "-"):
                negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Accumulate as a negative number so that Int64.min is representable.
                let (shifted, overflow1) = accumulated.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = shifted.subtractingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
                if overflow1 || overflow2 { return nil }
                accumulated = next
            default:
                return nil  // '.', 'e', 'E', '+': not an integer literal
            }
        }
        if negative { return accumulated }
        return accumulated == .min ? nil : -accumulated
    }

    /// The nearest `Double` when it is finite, else nil (e.g. `1e400`).
    /// Very small magnitudes round to (signed) zero, which is finite and returned.
    public var double: Double? {
        guard let value = Double(literal), value.isFinite else { return nil }
        return value
    }

    /// The literal.
    public var description: String { literal }

    /// Scans one number starting at `start` and returns the index just past it.
    /// Shared by the parser and ``init(literal:)`` so both enforce the same grammar:
    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONError) -> Int {
        let end = bytes.count
        var i = start
        @inline(__always) func isDigit(_ i: Int) -> Bool {
            i < end && bytes[i] &- UInt8(ascii: "0") < 10
        }
        if i < end && bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end else { throw JSONError(kind: .invalidNumber, offset: i) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            // "01" is not a number with a leading zero; reject rather than treat "1" as trailing data.
            if isDigit(i) { throw JSONError(kind: .invalidNumber, offset: i) }
        } else if isDigit(i) {
            repeat { i += 1 } while isDigit(i)
        } else {
            throw JSONError(kind: .invalidNumber, offset: i)
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw JSONError(kind: .invalidNumber, offset: i) }
            repeat { i += 1 } while isDigit(i)
        }
        if i < end && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw JSONError(kind: .invalidNumber, offset: i) }
            repeat { i += 1 } while isDigit(i)
        }
        return i
    }
}
