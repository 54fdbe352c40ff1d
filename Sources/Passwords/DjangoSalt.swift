// Django's salts: random strings of its 62-letter alphabet, and the length check behind
// `must_update_salt`.
import AuthCrypto

enum DjangoSalt {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// `BasePasswordHasher.salt()`: ceil(128 / log2(62)) = 22 characters, about 131 bits.
    static func random() throws(PasswordHashError) -> String {
        var salt = [UInt8]()
        while salt.count < 22 {
            let bytes: [UInt8]
            do { bytes = try SecureRandom.bytes(32) } catch { throw .hashingFailed("no random bytes for a salt") }
            // Rejection sampling keeps every character equally likely: 62 * 4 = 248 < 256.
            for byte in bytes where byte < 248 && salt.count < 22 {
                salt.append(alphabet[Int(byte) % 62])
            }
        }
        return String(decoding: salt, as: UTF8.self)
    }

    /// Django's `must_update_salt(salt, 128)` for a salt of `length` characters (Python's len:
    /// code points for a text salt, bytes for argon2's decoded one): fewer than 22 need a rehash.
    static func isTooShort(length: Int) -> Bool {
        Double(length) * 5.954196310386876 < 128  // log2(62)
    }
}

/// A canonical decimal as Django writes it with "%d": no sign, no leading zero, at most 9
/// digits. Django compares whole re-encoded strings, so any other spelling ("01000", "+1000",
/// "1_000", all of which Python's int() reads) never matches, and is refused here outright.
func canonicalDecimal(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.utf8.count <= 9, text.first != "0" || text.utf8.count == 1,
        text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
    else { return nil }
    return Int(text)
}
