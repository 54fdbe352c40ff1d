// Strict base64 and base64url codecs (RFC 4648) for tokens, JWKs and Django hashes.

/// Base64 with the two RFC 4648 alphabets. Decoding is strict: only alphabet characters, no
/// whitespace, padding exactly as asked, and the unused low bits of the last character must be
/// zero, so every byte string has exactly one accepted encoding.
public enum Base64 {
    public enum Alphabet: Sendable {
        /// `+` and `/` (RFC 4648 §4), as Django stores password hashes.
        case standard
        /// `-` and `_` (RFC 4648 §5), as JWS uses, without padding.
        case url
    }

    /// Encodes to ASCII bytes (what a token is built from).
    public static func encodeBytes(_ input: UnsafeRawBufferPointer, alphabet: Alphabet, padded: Bool) -> [UInt8] {
        let table = alphabet == .url ? urlTable : standardTable
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        let n = input.count
        while i + 3 <= n {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(table[Int(v >> 18)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(table[Int(v >> 6 & 63)])
            out.append(table[Int(v & 63)])
            i += 3
        }
        let rest = n - i
        if rest == 1 {
            let v = UInt32(input[i]) << 16
            out.append(table[Int(v >> 18)])
            out.append(table[Int(v >> 12 & 63)])
            if padded { out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "=")) }
        } else if rest == 2 {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out.append(table[Int(v >> 18)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(table[Int(v >> 6 & 63)])
            if padded { out.append(UInt8(ascii: "=")) }
        }
        return out
    }

    public static func encodeBytes(_ input: [UInt8], alphabet: Alphabet, padded: Bool) -> [UInt8] {
        input.withUnsafeBytes { encodeBytes($0, alphabet: alphabet, padded: padded) }
    }

    public static func encode(_ input: [UInt8], alphabet: Alphabet, padded: Bool) -> String {
        String(decoding: encodeBytes(input, alphabet: alphabet, padded: padded), as: UTF8.self)
    }

    /// Decodes ASCII text; nil for anything that is not the canonical encoding.
    /// - Parameter padded: whether `=` padding to a multiple of four is required (true) or
    ///   forbidden (false).
    public static func decode(_ text: UnsafeRawBufferPointer, alphabet: Alphabet, padded: Bool) -> [UInt8]? {
        var count = text.count
        if padded {
            guard count % 4 == 0 else { return nil }
            if count > 0 && text[count - 1] == UInt8(ascii: "=") { count -= 1 }
            if count > 0 && text[count - 1] == UInt8(ascii: "=") { count -= 1 }
        }
        let rest = count % 4
        if rest == 1 { return nil }
        if padded && rest == 0 && count != text.count { return nil }
        let table = alphabet == .url ? urlDecodeTable : standardDecodeTable
        var out = [UInt8]()
        out.reserveCapacity(count / 4 * 3 + 2)
        var i = 0
        while i + 4 <= count {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])]
            let c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
            guard (a | b | c | d) & 0x80 == 0 else { return nil }
            let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            out.append(UInt8(truncatingIfNeeded: v >> 16))
            out.append(UInt8(truncatingIfNeeded: v >> 8))
            out.append(UInt8(truncatingIfNeeded: v))
            i += 4
        }
        if rest == 2 {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])]
            guard (a | b) & 0x80 == 0, b & 0x0F == 0 else { return nil }
            out.append(a << 2 | b >> 4)
        } else if rest == 3 {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])]
            guard (a | b | c) & 0x80 == 0, c & 0x03 == 0 else { return nil }
            out.append(a << 2 | b >> 4)
            out.append(b << 4 | c >> 2)
        }
        return out
    }

    public static func decode(_ text: String, alphabet: Alphabet, padded: Bool) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0), alphabet: alphabet, padded: padded) }
    }
}

private let standardTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
private let urlTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
private let standardDecodeTable = makeDecodeTable(standardTable)
private let urlDecodeTable = makeDecodeTable(urlTable)

/// 256 entries: the 6-bit value of an alphabet character, or 0x80 for anything else.
private func makeDecodeTable(_ alphabet: [UInt8]) -> [UInt8] {
    var table = [UInt8](repeating: 0x80, count: 256)
    for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
    return table
}
