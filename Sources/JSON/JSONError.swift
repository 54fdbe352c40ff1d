// The single error type thrown by the JSON parser: what went wrong and at which byte.
// Messages deliberately never quote the input, so they are safe to log or return to clients.

/// A parse failure: its ``Kind`` and the byte offset at which it was detected.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What rule of RFC 8259 (or of this parser's limits) the input broke.
    public enum Kind: Sendable, Equatable {
        /// The input ended in the middle of a value (unterminated string, array, literal, ...).
        case unexpectedEnd
        /// A byte that cannot appear at this position (including a UTF-8 byte order mark).
        case unexpectedByte(UInt8)
        /// Bytes inside a string that are not well-formed UTF-8.
        case invalidUTF8
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`, or a `\u` without four hex digits.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair; carries that code unit.
        case loneSurrogate(UInt16)
        /// A raw byte U+0000...U+001F inside a string; JSON requires these to be escaped.
        case controlCharacterInString
        /// A number that breaks the RFC 8259 grammar (leading zero, missing digits, ...).
        case invalidNumber
        /// Arrays/objects nested deeper than ``JSONParser/Options/maxDepth``.
        case tooDeep
        /// Non-whitespace bytes after the one top-level value.
        case trailingData
        /// The input is empty or whitespace only.
        case empty
    }

    /// What went wrong.
    public let kind: Kind
    /// Byte offset into the input where the problem was found (the start of the offending token,
    /// escape or UTF-8 sequence; the input length for ``Kind/unexpectedEnd``).
    public let offset: Int

    /// Creates an error; public so that callers can build expected values in tests.
    public init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// A human-readable message such as "Expecting value at byte 0". Never contains input bytes.
    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEnd: what = "Unexpected end of input"
        case .unexpectedByte: what = "Unexpected character"
        case .invalidUTF8: what = "Invalid UTF-8"
        case .invalidEscape: what = "Invalid escape sequence"
        case .loneSurrogate: what = "Unpaired UTF-16 surrogate escape"
        case .controlCharacterInString: what = "Unescaped control character in string"
        case .invalidNumber: what = "Invalid number"
        case .tooDeep: what = "Nesting too deep"
        case .trailingData: what = "Extra data"
        case .empty: what = "Expecting value"
        }
        return "\(what) at byte \(offset)"
    }
}
