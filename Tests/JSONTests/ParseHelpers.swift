// Shared helpers for the tests: capture a parse error as a value, and render bytes for messages.

import JSON

/// The error thrown when parsing `bytes`, or nil when it parses.
func parseError(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONError? {
    do {
        _ = try JSONParser.parse(bytes, options: .init(maxDepth: maxDepth))
        return nil
    } catch {
        return error
    }
}

/// The error thrown when parsing the UTF-8 of `text`, or nil when it parses.
func parseError(_ text: String, maxDepth: Int = 64) -> JSONError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

/// Hex dump for failure messages, e.g. "7b 22 61".
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}

/// `count` copies of `byte`.
func repeated(_ byte: Character, _ count: Int) -> [UInt8] {
    [UInt8](repeating: byte.asciiValue ?? 0, count: count)
}
