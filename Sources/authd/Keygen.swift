// `authd keygen`: a new signing key, printed for AUTHD_SIGNING_KEY(_FILE) or written into AUTHD_SIGNING_KEYS_DIR.
import Glibc
import ArgumentParser
import AuthCrypto
import AuthServer
import JWT

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a new signing key: a random secret for HS*, a PEM private key otherwise.",
        discussion: """
            Without --dir the key is printed. With --dir it is written as DIR/<kid>.key (HS*) or \
            DIR/<kid>.pem (mode 0600, never over an existing file), the layout AUTHD_SIGNING_KEYS_DIR \
            reads; it becomes the active key only with --activate, or when DIR has no active key yet. \
            A running authd picks the change up on SIGHUP.
            """)

    @Option(help: "HS256, HS384, HS512, RS256..PS512, ES256, ES384, ES512 or EdDSA.")
    var algorithm = "HS256"

    @Option(help: "RSA modulus size in bits.")
    var bits = 3072

    @Option(help: "Write the key into this key directory (created, mode 0700, if missing) instead of printing it.")
    var dir: String?

    @Option(help: "The new key's id, its file's name (default: the UTC time, 20250102-150405).")
    var kid: String?

    @Flag(help: "Make the new key the one that signs (writes DIR/active).")
    var activate = false

    func run() throws {
        try reportingFailures {
            guard let algorithm = JWSAlgorithm(headerValue: algorithm) else {
                throw CommandFailure("unknown algorithm \(self.algorithm)")
            }
            guard dir != nil || (kid == nil && !activate) else { throw CommandFailure("--kid and --activate need --dir") }
            let key = try makeKey(algorithm)
            guard let dir else {
                print(String(decoding: key, as: UTF8.self), terminator: "")
                return
            }
            try write(key, algorithm: algorithm, into: dir)
        }
    }

    /// The key file's bytes: 64 random bytes base64url-encoded (printable, and longer than any
    /// HS* hash) and a newline, or a PKCS#8 PEM.
    private func makeKey(_ algorithm: JWSAlgorithm) throws -> [UInt8] {
        let spec: AsymmetricKey.GenerationSpec
        switch algorithm {
        case .HS256, .HS384, .HS512:
            return Array((Base64.encode(try SecureRandom.bytes(64), alphabet: .url, padded: false) + "\n").utf8)
        case .ES256: spec = .ec(.p256)
        case .ES384: spec = .ec(.p384)
        case .ES512: spec = .ec(.p521)
        case .EdDSA: spec = .ed25519
        default:
            guard bits >= 2048 else { throw CommandFailure("RSA keys need at least 2048 bits") }
            spec = .rsa(bits: bits)
        }
        return Array(try AsymmetricKey.generate(spec).privateKeyPEM().utf8)
    }

    private func write(_ key: [UInt8], algorithm: JWSAlgorithm, into dir: String) throws {
        let keyID = kid ?? Self.timestampKeyID()
        guard SigningKeys.isValidKeyID(keyID) else {
            throw CommandFailure("--kid: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw CommandFailure("cannot create \(dir): \(systemError())") }
        let path = "\(dir)/\(keyID)\(algorithm.isHMAC ? ".key" : ".pem")"
        // O_EXCL: a key id names one key forever; tokens signed with the old one would stop verifying.
        try writeFile(path, key, flags: O_CREAT | O_EXCL, mode: 0o600)
        print("wrote \(path)")
        let activePath = "\(dir)/\(SigningKeys.activeFileName)"
        if activate || access(activePath, F_OK) != 0 {
            // Written beside and renamed over, so a SIGHUP never reads half a file.
            let temporary = "\(dir)/.\(SigningKeys.activeFileName).tmp"
            try writeFile(temporary, Array("\(keyID)\n".utf8), flags: O_CREAT | O_TRUNC, mode: 0o644)
            guard rename(temporary, activePath) == 0 else { throw CommandFailure("cannot write \(activePath): \(systemError())") }
            print("active key: \(keyID)")
        }
    }

    private func writeFile(_ path: String, _ bytes: [UInt8], flags: Int32, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC | flags, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw CommandFailure("\(path) exists: a key id names one key for good, choose another --kid") }
            throw CommandFailure("cannot create \(path): \(systemError())")
        }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw CommandFailure("cannot write \(path): \(systemError())") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw CommandFailure("cannot write \(path): \(systemError())") }
    }

    /// The current UTC time as a key id: key files then sort by age.
    static func timestampKeyID() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y%m%d-%H%M%S", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private func systemError() -> String { String(cString: strerror(errno)) }
