// A deliberately simple, slow, independent JSON decoder used as an oracle in differential tests.
// It works on Unicode scalars after stdlib UTF-8 validation, so it shares no code path with JSONParser.

import JSON

enum ReferenceJSONDecoder {
    /// The decoded value, or nil when `bytes` is not exactly one strict RFC 8259 JSON text.
    static func decode(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONValue? {
        // Valid JSON is valid UTF-8 as a whole (non-ASCII may only occur inside strings).
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var state = State(scalars: Array(text.unicodeScalars), maxDepth: maxDepth)
        state.skipSpace()
        guard let value = state.value(depth: 0) else { return nil }
        state.skipSpace()
        return state.atEnd ? value : nil
    }

    private struct State {
        let scalars: [Unicode.Scalar]
        let maxDepth: Int
        var pos = 0

        init(scalars: [Unicode.Scalar], maxDepth: Int) {
            self.scalars = scalars
            self.maxDepth = maxDepth
        }

        var atEnd: Bool { pos >= scalars.count }
        var current: Unicode.Scalar? { atEnd ? nil : scalars[pos] }

        mutating func skipSpace() {
            while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { pos += 1 }
        }

        mutating func consume(_ c: Unicode.Scalar) -> Bool {
            guard current == c else { return false }
            pos += 1
            return true
        }

        mutating func consume(word: String) -> Bool {
            for c in word.unicodeScalars where !consume(c) { return false }
            return true
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard let c = current else { return nil }
            switch c {
            case "n": return consume(word: "null") ? .null : nil
            case "t": return consume(word: "true") ? .bool(true) : nil
            case "f": return consume(word: "false") ? .bool(false) : nil
            case "\"": return string().map(JSONValue.string)
            case "[":
                guard depth < maxDepth else { return nil }
                pos += 1
                var elements: [JSONValue] = []
                skipSpace()
                if consume("]") { return .array([]) }
                while true {
                    skipSpace()
                    guard let element = value(depth: depth + 1) else { return nil }
                    elements.append(element)
                    skipSpace()
                    if consume("]") { return .array(elements) }
                    guard consume(",") else { return nil }
                }
            case "{":
                guard depth < maxDepth else { return nil }
                pos += 1
                var object = JSONObject()
                skipSpace()
                if consume("}") { return .object(object) }
                while true {
                    skipSpace()
                    guard current == "\"", let key = string() else { return nil }
                    skipSpace()
                    guard consume(":") else { return nil }
                    skipSpace()
                    guard let member = value(depth: depth + 1) else { return nil }
                    object.append(key: key, value: member)
                    skipSpace()
                    if consume("}") { return .object(object) }
                    guard consume(",") else { return nil }
                }
            default:
                return number()
            }
        }

        /// number = [ minus ] int [ frac ] [ exp ], per RFC 8259 section 6.
        mutating func number() -> JSONValue? {
            let start = pos
            func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }
            _ = consume("-")
            if consume("0") {
                // nothing: a leading zero must stand alone
            } else if let c = current, ("1"..."9").contains(c) {
                while isDigit(current) { pos += 1 }
            } else {
                return nil
            }
            if consume(".") {
                guard isDigit(current) else { return nil }
                while isDigit(current) { pos += 1 }
            }
            if consume("e") || consume("E") {
                _ = consume("+") || consume("-")
                guard isDigit(current) else { return nil }
                while isDigit(current) { pos += 1 }
            }
            var literal = String.UnicodeScalarView()
            literal.append(contentsOf: scalars[start..<pos])
            return JSONNumber(literal: String(literal)).map(JSONValue.number)
        }

        mutating func hex4() -> UInt32? {
            guard pos + 4 <= scalars.count else { return nil }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[pos..<pos + 4])
            guard text.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }),
                  let value = UInt32(text, radix: 16) else { return nil }
            pos += 4
            return value
        }

        mutating func string() -> String? {
            guard consume("\"") else { return nil }
            var out = String.UnicodeScalarView()
            while true {
                guard let c = current else { return nil }
                pos += 1
                switch c {
                case "\"":
                    return String(out)
                case "\\":
                    guard let e = current else { return nil }
                    pos += 1
                    switch e {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "/": out.append("/")
                    case "b": out.append("\u{8}")
                    case "f": out.append("\u{C}")
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "u":
                        guard let unit = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(unit) {
                            guard consume("\\"), consume("u"), let low = hex4(),
                                  (0xDC00...0xDFFF).contains(low) else { return nil }
                            let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            guard let scalar = Unicode.Scalar(combined) else { return nil }
                            out.append(scalar)
                        } else {
                            // Unicode.Scalar(_:) is nil exactly for lone low surrogates here.
                            guard let scalar = Unicode.Scalar(unit) else { return nil }
                            out.append(scalar)
                        }
                    default:
                        return nil
                    }
                default:
                    guard c.value >= 0x20 else { return nil }
                    out.append(c)
                }
            }
        }
    }
}
