// Request bodies read the way Django REST Framework's parsers and CharField read them.
import JSON

/// The fields of a parsed request body: a JSON object's members or a form's pairs.
/// Public because it parses attacker bytes: the fuzz harness (Sources/FuzzHarness) calls it directly.
package struct RequestData {
    enum Value {
        case json(JSONValue)
        case text(String)
    }

    private let values: [String: Value]
    /// JSON strings that held lone surrogate escapes (replaced by U+FFFD), with the first one.
    private var loneSurrogates: [(string: String, codeUnit: UInt16)] = []

    /// Parses `body` by its Content-Type as DRF does: an empty body has no fields whatever its
    /// type; JSON and urlencoded forms are read; any other type with a body is 415.
    package init(contentType: String?, body: [UInt8]) throws(APIError) {
        guard !body.isEmpty else {
            values = [:]
            return
        }
        switch Self.mediaType(contentType) {
        case "application/json":
            (values, loneSurrogates) = try Self.json(body)
        case "application/x-www-form-urlencoded":
            values = Self.form(body)
        case "multipart/form-data":
            guard let boundary = Self.parameter("boundary", in: contentType ?? "") else {
                throw APIError.parse("Multipart form parse error - Invalid boundary in multipart: None")
            }
            values = Self.multipart(body, boundary: boundary)
        default:
            throw APIError.unsupportedMediaType(contentType ?? "")
        }
    }

    /// A Content-Type's media type: what comes before any `;`, without the spaces and tabs around
    /// it, lower-cased. Found in the UTF-8 bytes: splitting the String walks Characters, which
    /// cost more than parsing a refresh token's whole body.
    static func mediaType(_ contentType: String?) -> String {
        guard let utf8 = contentType?.utf8 else { return "" }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = utf8.startIndex
        var end = utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
        while start < end && isBlank(utf8[start]) { start = utf8.index(after: start) }
        while end > start && isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(Substring(utf8[start..<end])).lowercased()
    }

    /// How deep a JSON body may nest: just under where Python's parser stops (its recursion
    /// limit, 1,000 frames, less those of a Django request: simplejwt answers 500 from about 990
    /// levels), so every body DRF parses, authd parses and answers the same field errors for.
    /// Deeper is a 400. About 400 bytes of loop-thread stack per level.
    static let maxJSONDepth = 950

    private static func json(_ body: [UInt8]) throws(APIError) -> ([String: Value], [(string: String, codeUnit: UInt16)]) {
        let document: JSONValue
        let loneSurrogates: [(string: String, codeUnit: UInt16)]
        do {
            // Python's json accepts "\ud800"; DRF then refuses it per field, so it must parse here.
            (document, loneSurrogates) = try JSONParser.parseReportingLoneSurrogates(body, options: .init(maxDepth: Self.maxJSONDepth))
        } catch {
            throw APIError.parse("JSON parse error - " + error.description)
        }
        switch document {
        case .object(let object):
            var values: [String: Value] = [:]
            for (key, value) in object { values[key] = .json(value) }  // the last duplicate wins, as in Python
            return (values, loneSurrogates)
        case .null: throw APIError.nonField("No data provided")
        case .array: throw APIError.nonField("Invalid data. Expected a dictionary, but got list.")
        case .string: throw APIError.nonField("Invalid data. Expected a dictionary, but got str.")
        case .bool: throw APIError.nonField("Invalid data. Expected a dictionary, but got bool.")
        case .number(let number):
            throw APIError.nonField("Invalid data. Expected a dictionary, but got \(number.isInteger ? "int" : "float").")
        }
    }

    /// application/x-www-form-urlencoded: `+` is a space, %XX a byte, bad escapes kept as
    /// written, invalid UTF-8 replaced (Django decodes with errors="replace"); last value wins.
    private static func form(_ body: [UInt8]) -> [String: Value] {
        var values: [String: Value] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecoded(parts[0])
            values[key] = .text(parts.count > 1 ? percentDecoded(parts[1]) : "")
        }
        return values
    }

    /// A Content-Type parameter's value (quotes removed).
    private static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIIWhitespace().lowercased() == name else { continue }
            var value = pair[1].trimmingASCIIWhitespace()
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// multipart/form-data (RFC 7578), as DRF's MultiPartParser reads the text fields: each part
    /// with `Content-Disposition: form-data; name="..."` and no filename is a field; file parts
    /// are not data fields and are skipped.
    private static func multipart(_ body: [UInt8], boundary: String) -> [String: Value] {
        var values: [String: Value] = [:]
        let delimiter = Array(("--" + boundary).utf8)
        let headerEnd: [UInt8] = [13, 10, 13, 10]
        var parts = body.split(separator: delimiter)
        if !parts.isEmpty { parts.removeFirst() }  // the preamble before the first delimiter
        for part in parts {
            guard !part.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) else { break }  // closing delimiter
            guard let split = part.firstRange(of: headerEnd) else { continue }
            let headers = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            var content = part[split.upperBound...]
            if content.hasSuffix([13, 10]) { content = content.dropLast(2) }
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().contains("content-disposition") }),
                disposition.lowercased().contains("form-data"), parameter("filename", in: String(disposition)) == nil,
                let name = parameter("name", in: String(disposition))
            else { continue }
            values[name] = .text(String(decoding: content, as: UTF8.self))
        }
        return values
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Whether the body has a field called `name` (whatever its value).
    package func contains(_ name: String) -> Bool { values[name] != nil }

    /// Validates the named fields as DRF `CharField()`s (required, no null, no blank, strings or
    /// numbers only, whitespace trimmed, no NUL) and returns their values in order, or every
    /// field's errors at once, as DRF does.
    package func charFields(_ names: [String]) throws(APIError) -> [String] {
        var results: [String] = []
        var errors: [(String, [String])] = []
        for name in names {
            if case .json(.string(let text))? = values[name], let lone = loneSurrogates.first(where: { $0.string == text }) {
                let hex = String(lone.codeUnit, radix: 16, uppercase: true)
                errors.append((name, ["Surrogate characters are not allowed: U+\(hex)."]))
                continue
            }
            switch Self.charField(values[name]) {
            case .success(let text): results.append(text)
            case .failure(let message): errors.append((name, [message.text]))
            }
        }
        guard errors.isEmpty else { throw APIError.fields(errors) }
        return results
    }

    struct FieldMessage: Error {
        let text: String
    }

    private static func charField(_ value: Value?) -> Result<String, FieldMessage> {
        let raw: String
        switch value {
        case nil: return .failure(FieldMessage(text: "This field is required."))
        case .json(.null): return .failure(FieldMessage(text: "This field may not be null."))
        case .json(.string(let text)), .text(let text): raw = text
        case .json(.number(let number)): raw = pythonString(number)
        case .json(.bool), .json(.array), .json(.object): return .failure(FieldMessage(text: "Not a valid string."))
        }
        let trimmed = raw.trimmingPythonWhitespace()
        if trimmed.isEmpty { return .failure(FieldMessage(text: "This field may not be blank.")) }
        // Over the contiguous bytes: the generic walk of a String's UTF8View costs more than the
        // rest of reading a refresh token.
        if trimmed.utf8.withContiguousStorageIfAvailable({ $0.contains(0) }) ?? trimmed.utf8.contains(0) {
            return .failure(FieldMessage(text: "Null characters are not allowed."))
        }
        return .success(trimmed)
    }

    /// Python's str() of the number json.loads makes: ints keep their digits, floats print as repr.
    static func pythonString(_ number: JSONNumber) -> String {
        if number.isInteger {
            let literal = number.literal
            return literal == "-0" ? "0" : literal
        }
        guard let double = number.double else { return number.literal }
        return double.description
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !($0 == " " || $0 == "\t") }) else { return "" }
        let last = scalars.lastIndex(where: { !($0 == " " || $0 == "\t") })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Python's str.strip(): removes leading and trailing Unicode whitespace.
    func trimmingPythonWhitespace() -> String {
        // Fast path (every token and nearly every username): both ends are printable ASCII,
        // so nothing is stripped, and the Unicode scalar walk below is not needed.
        let text = String(self)
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return text
        }
        let scalars = unicodeScalars
        func isSpace(_ s: Unicode.Scalar) -> Bool {
            s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
        }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

extension ArraySlice<UInt8> {
    func hasSuffix(_ suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(endIndex - suffix.count)...]) == suffix }
}

extension Array<UInt8> {
    /// Splits on every occurrence of a multi-byte separator.
    func split(separator: [UInt8]) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = startIndex
        var searchFrom = startIndex
        while let range = self[searchFrom...].firstRange(of: separator) {
            pieces.append(self[start..<range.lowerBound])
            start = range.upperBound
            searchFrom = range.upperBound
        }
        pieces.append(self[start...])
        return pieces
    }
}
