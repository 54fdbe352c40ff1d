// The keys tokens are signed and verified with: one key as simplejwt has, or a directory of keys with ids.
package import JWT

/// What a `TokenAuthority` signs and verifies with: the active key signs, every key verifies.
///
/// Two layouts:
/// - one key without an id (AUTHD_SIGNING_KEY or AUTHD_SIGNING_KEY_FILE): tokens keep simplejwt's
///   exact header, `{"alg":"HS256","typ":"JWT"}`, and any `kid` a token carries is ignored, as
///   simplejwt ignores it;
/// - a key directory (AUTHD_SIGNING_KEYS_DIR): `<kid>.key` files (HMAC secrets) or `<kid>.pem`
///   files (PEM keys), one algorithm for all (AUTHD_ALGORITHM), and a file `active` holding the
///   id of the key that signs. Tokens carry `kid`, PyJWT's header `{"alg":..,"kid":..,"typ":"JWT"}`;
///   a token's `kid` selects its key, an unknown `kid` is refused, and a token without `kid` is
///   checked against the active key alone (one signature check per token, whatever the number
///   of keys).
package struct SigningKeys: Sendable {
    /// Signs new tokens.
    package let active: JWTKey
    /// Verifies tokens: the active key first (a token without `kid` selects it), then the others
    /// in the order of their ids.
    package let verifying: JWTKeySet

    /// Whether tokens carry `kid`: only in the directory layout.
    package var carryKeyID: Bool { active.keyID != nil }

    /// The file naming the active key, in a key directory.
    package static let activeFileName = "active"
    /// Longest key id: file names stay short, and a token's header too.
    static let maximumKeyIDBytes = 64

    /// One key, without an id.
    package static func single(_ material: [UInt8], algorithm: JWSAlgorithm) throws(SettingsError) -> SigningKeys {
        let key: JWTKey
        do {
            key = try makeKey(material, algorithm: algorithm, keyID: nil)
        } catch {
            throw SettingsError("signing key refused for \(algorithm.rawValue): \(error.reason)")
        }
        guard key.canSign else { throw SettingsError("signing key refused for \(algorithm.rawValue): a public key cannot sign") }
        return SigningKeys(active: key, verifying: JWTKeySet(key))
    }

    /// The keys of a key directory, from its files' names and contents (hidden files and names
    /// with other extensions are left alone). Every key must fit `algorithm`; HMAC secrets are
    /// `<kid>.key`, PEM keys `<kid>.pem` (a public key verifies only: it cannot be the active one).
    /// Any fault is refused whole, naming the file and never its content.
    package static func directory(_ files: [KeyFile], algorithm: JWSAlgorithm, path: String) throws(SettingsError) -> SigningKeys {
        let (wanted, other) = algorithm.isHMAC ? (".key", ".pem") : (".pem", ".key")
        var keys: [JWTKey] = []
        var activeID: String? = nil
        for file in files.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) where !file.name.hasPrefix(".") {
            if file.name == activeFileName {
                activeID = String(decoding: file.contents, as: UTF8.self).trimmingCharacters(" \t\r\n")
                continue
            }
            if file.name.hasSuffix(other) {
                throw SettingsError("\(path)/\(file.name): with \(algorithm.rawValue) the keys are \(wanted) files (\(algorithm.isHMAC ? "HMAC secrets" : "PEM keys"))")
            }
            guard file.name.hasSuffix(wanted) else { continue }
            let keyID = String(file.name.dropLast(wanted.count))
            guard isValidKeyID(keyID) else {
                throw SettingsError("\(path)/\(file.name): a key id is 1 to \(maximumKeyIDBytes) letters, digits, '.', '_' or '-', not starting with '.'")
            }
            do {
                keys.append(try makeKey(withoutTrailingNewlines(file.contents), algorithm: algorithm, keyID: keyID))
            } catch {
                throw SettingsError("\(path)/\(file.name): key refused for \(algorithm.rawValue): \(error.reason)")
            }
        }
        guard !keys.isEmpty else { throw SettingsError("\(path): no \(wanted) key file (authd keygen --dir writes one)") }
        guard let activeID, !activeID.isEmpty else {
            throw SettingsError("\(path)/\(activeFileName): missing or empty: it names the key that signs (authd keygen --activate writes it)")
        }
        guard let active = keys.firstIndex(where: { $0.keyID == activeID }) else {
            throw SettingsError("\(path)/\(activeFileName): names \"\(activeID)\", but there is no \(activeID)\(wanted)")
        }
        guard keys[active].canSign else {
            throw SettingsError("\(path)/\(activeID)\(wanted): a public key cannot be the active key")
        }
        let ordered = [keys[active]] + keys.enumerated().filter { $0.offset != active }.map(\.element)
        do {
            return SigningKeys(active: ordered[0], verifying: try JWTKeySet(ordered))
        } catch {
            throw SettingsError("\(path): \(error.reason)")
        }
    }

    /// A key id as a key file's name holds it: printable, safe in a path, a header and a log.
    package static func isValidKeyID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...maximumKeyIDBytes).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    /// A key file's bytes without the trailing newline editors and `echo` add (not part of the key).
    static func withoutTrailingNewlines(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }

    private static func makeKey(_ material: [UInt8], algorithm: JWSAlgorithm, keyID: String?) throws(JWTError) -> JWTKey {
        if algorithm.isHMAC {
            return try JWTKey.hmac(secret: material, algorithm: algorithm, keyID: keyID)
        }
        return try JWTKey.pem(String(decoding: material, as: UTF8.self), algorithm: algorithm, keyID: keyID)
    }
}

/// One file of a key directory: its name (no path) and its contents.
package struct KeyFile: Sendable {
    package let name: String
    package let contents: [UInt8]

    package init(name: String, contents: [UInt8]) {
        self.name = name
        self.contents = contents
    }
}

extension JWTError {
    /// What a refused key's error says, for a log line: the detail, never key material.
    var reason: String { detail.isEmpty ? "\(kind)" : detail }
}

extension String {
    /// Without leading and trailing characters of `set`.
    func trimmingCharacters(_ set: String) -> String {
        let drop = Set(set.unicodeScalars)
        let scalars = unicodeScalars.drop { drop.contains($0) }.reversed().drop { drop.contains($0) }.reversed()
        return String(String.UnicodeScalarView(scalars))
    }
}
