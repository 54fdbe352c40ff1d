// The PHC string libargon2 reads ("$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>"), parsed with
// exactly the rules of its decode_string, so that authd accepts the strings Django's
// argon2-cffi accepts and no others.

struct Argon2Hash: Equatable {
    enum Variant: String, CaseIterable {
        case argon2d, argon2i, argon2id
    }

    let variant: Variant
    /// 0x13 (19) for Argon2 1.3; a string without "v=" is 1.0 (0x10), as libargon2 reads it.
    let version: UInt32
    let memoryKiB: UInt32
    let passes: UInt32
    let lanes: UInt32
    let salt: [UInt8]
    let hash: [UInt8]

    /// `text` is the stored hash without Django's "argon2" in front (it starts with "$").
    init(parsing text: Substring) throws(PasswordHashError) {
        var rest = text.utf8[...]
        // argon2-cffi picks the variant from the first nine bytes ("$argon2i$", "$argon2d$",
        // "$argon2id"); anything else raises InvalidHashError, which Django lets through.
        let variant: Variant
        if rest.starts(with: "$argon2id".utf8) {
            variant = .argon2id
        } else if rest.starts(with: "$argon2i$".utf8) {
            variant = .argon2i
        } else if rest.starts(with: "$argon2d$".utf8) {
            variant = .argon2d
        } else {
            throw .malformed("not an argon2d, argon2i or argon2id string")
        }
        rest = rest.dropFirst(1 + variant.rawValue.utf8.count)
        var version: UInt32 = 0x10
        if Self.take("$v=", &rest) { version = try Self.decimal(&rest) }
        guard Self.take("$m=", &rest) else { throw .malformed("expected $m=") }
        let memory = try Self.decimal(&rest)
        guard Self.take(",t=", &rest) else { throw .malformed("expected ,t=") }
        let passes = try Self.decimal(&rest)
        guard Self.take(",p=", &rest) else { throw .malformed("expected ,p=") }
        let lanes = try Self.decimal(&rest)
        guard Self.take("$", &rest) else { throw .malformed("expected $salt") }
        let salt = try Self.base64(&rest)
        guard Self.take("$", &rest) else { throw .malformed("expected $hash") }
        let hash = try Self.base64(&rest)
        guard rest.isEmpty else { throw .malformed("characters after the hash") }
        self.variant = variant
        self.version = version
        self.memoryKiB = memory
        self.passes = passes
        self.lanes = lanes
        self.salt = salt
        self.hash = hash
    }

    init(variant: Variant, version: UInt32, memoryKiB: UInt32, passes: UInt32, lanes: UInt32, salt: [UInt8], hash: [UInt8]) {
        (self.variant, self.version, self.memoryKiB, self.passes, self.lanes) = (variant, version, memoryKiB, passes, lanes)
        (self.salt, self.hash) = (salt, hash)
    }

    /// The string argon2-cffi writes (libargon2's encode_string), without Django's "argon2".
    var encoded: String {
        "$\(variant.rawValue)$v=\(version)$m=\(memoryKiB),t=\(passes),p=\(lanes)$\(Self.encode(salt))$\(Self.encode(hash))"
    }

    private static func take(_ literal: String, _ rest: inout Substring.UTF8View) -> Bool {
        guard rest.starts(with: literal.utf8) else { return false }
        rest = rest.dropFirst(literal.utf8.count)
        return true
    }

    /// libargon2's decode_decimal: digits, no leading zero, then within 32 bits.
    private static func decimal(_ rest: inout Substring.UTF8View) throws(PasswordHashError) -> UInt32 {
        let digits = rest.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.first != 0x30 || digits.count == 1, digits.count <= 10 else {
            throw .malformed("a parameter is not a canonical decimal")
        }
        var value: UInt64 = 0
        for digit in digits { value = value * 10 + UInt64(digit - 0x30) }
        guard value <= UInt64(UInt32.max) else { throw .malformed("a parameter is above 2^32") }
        rest = rest.dropFirst(digits.count)
        return UInt32(value)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// libargon2's from_base64: the standard alphabet without padding, up to the first other
    /// byte; a length of 1 mod 4, or unused low bits that are not zero, is refused.
    private static func base64(_ rest: inout Substring.UTF8View) throws(PasswordHashError) -> [UInt8] {
        var out = [UInt8]()
        var accumulator: UInt32 = 0
        var bits = 0
        var used = 0
        for byte in rest {
            guard let value = alphabet.firstIndex(of: byte) else { break }
            accumulator = (accumulator << 6 | UInt32(value)) & 0xFFFF
            bits += 6
            used += 1
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard bits <= 4, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { throw .malformed("salt or hash is not canonical base64") }
        rest = rest.dropFirst(used)
        return out
    }

    private static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = (accumulator << 8 | UInt32(byte)) & 0xFFFF
            bits += 8
            while bits >= 6 {
                bits -= 6
                out.append(alphabet[Int((accumulator >> UInt32(bits)) & 63)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((accumulator << UInt32(6 - bits)) & 63)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
