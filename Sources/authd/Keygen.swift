// `authd keygen`: a new signing key for AUTHD_SIGNING_KEY(_FILE).
import ArgumentParser
import AuthCrypto
import JWT

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new signing key: a random secret for HS*, a PEM private key otherwise.")

    @Option(help: "HS256, HS384, HS512, RS256..PS512, ES256, ES384, ES512 or EdDSA.")
    var algorithm = "HS256"

    @Option(help: "RSA modulus size in bits.")
    var bits = 3072

    func run() throws {
        try reportingFailures {
            guard let algorithm = JWSAlgorithm(headerValue: algorithm) else {
                throw CommandFailure("unknown algorithm \(self.algorithm)")
            }
            let spec: AsymmetricKey.GenerationSpec
            switch algorithm {
            case .HS256, .HS384, .HS512:
                // 64 random bytes, base64url-encoded: printable, and longer than any HS* hash.
                print(Base64.encode(try SecureRandom.bytes(64), alphabet: .url, padded: false))
                return
            case .ES256: spec = .ec(.p256)
            case .ES384: spec = .ec(.p384)
            case .ES512: spec = .ec(.p521)
            case .EdDSA: spec = .ed25519
            default:
                guard bits >= 2048 else { throw CommandFailure("RSA keys need at least 2048 bits") }
                spec = .rsa(bits: bits)
            }
            print(try AsymmetricKey.generate(spec).privateKeyPEM(), terminator: "")
        }
    }
}
