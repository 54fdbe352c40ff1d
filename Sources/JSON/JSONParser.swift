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
        /// also recurse, so this is what keeps hostile input from exhausting the stack. Measured
        /// cost: about 150 bytes of stack per level in optimized builds and about 2 KB unoptimized,
        /// so keep it in the hundreds at most (threads other than the main one may have small
        /// stacks). Values below zero behave like zero (only scalars are accepted).
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
            var reader = JSONReader(bytes: typed, base: base, maxDepth: options.maxDepth)
            return Result { () throws(JSONError) in try reader.parseDocument() }
        }
        return try result.get()
    }

    /// Parses like `parse`, but decodes lone surrogate escapes (`"\ud800"`, which Python's json
    /// accepts) as U+FFFD and reports which strings held them and the first such code unit, so
    /// a caller can refuse them field by field as Django REST Framework does.
    public static func parseReportingLoneSurrogates(_ bytes: [UInt8], options: Options = .init()) throws(JSONError)
        -> (value: JSONValue, loneSurrogates: [(string: String, codeUnit: UInt16)])
    {
        let result = bytes.withUnsafeBufferPointer { typed -> Result<(JSONValue, [(string: String, codeUnit: UInt16)]), JSONError> in
            guard let base = typed.baseAddress, !typed.isEmpty else { return .failure(JSONError(kind: .empty, offset: 0)) }
            var reader = JSONReader(bytes: typed, base: base, maxDepth: options.maxDepth, replacesLoneSurrogates: true)
            return Result { () throws(JSONError) in (try reader.parseDocument(), reader.loneSurrogates) }
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
        // withUTF8 exposes the contiguous UTF-8 storage (making a non-native string native first).
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8), options: options) }
        }
        return try result.get()
    }
}
