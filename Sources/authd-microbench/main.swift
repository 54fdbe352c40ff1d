// Cost per operation of authd's crypto core, each measured beside its baseline in one run.
// Run in release: swift run -c release authd-microbench
// Targets (exit status 1 when missed): HS256 verify of a typical access token at most 2x
// OpenSSL's one-shot HMAC() over the same signing input; a Django PBKDF2 verify at
// 1,000,000 iterations at least 3x faster than PKCS5_PBKDF2_HMAC with the same parameters.
import Glibc
import AuthCrypto
import JSON
import JWT
import Passwords


/// Nanoseconds per call of `body`: the best of `rounds` rounds of `iterations` calls, so a
/// moment of noise from the other core does not count against the code.
func measure(_ iterations: Int, rounds: Int = 5, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = ContinuousClock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        best = min(best, ns / Double(iterations))
    }
    return best
}

func format(_ ns: Double) -> String {
    if ns >= 1_000_000 { return String(Int(ns / 1000) / 1000) + "." + pad3(Int(ns / 1000) % 1000) + " ms" }
    if ns >= 1000 { return String(Int(ns) / 1000) + "." + pad3(Int(ns) % 1000) + " µs" }
    return String(Int(ns)) + " ns"
}

func pad3(_ n: Int) -> String { n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)" }

func ratio(_ a: Double, _ b: Double) -> String {
    let r = (a / b * 100).rounded() / 100
    return "\(r)x"
}

func row(_ name: String, _ ns: Double, _ note: String = "") {
    let padded = name + String(repeating: " ", count: max(1, 44 - name.count))
    print(padded + format(ns) + (note.isEmpty ? "" : "   " + note))
}

// A typical simplejwt access token.
let now: Int64 = 1_700_000_000
let claims: JSONObject = [
    "token_type": .string("access"), "exp": .number(JSONNumber(now + 300)), "iat": .number(JSONNumber(now)),
    "jti": .string("a8970702205f4fb3ba31c61315c3be17"), "user_id": .string("1"),
]
let policy = ClaimsPolicy(expectedTokenType: "access")
let secret = Array("django-insecure-benchmark-secret-key-with-50-characters!".utf8)
var failures: [String] = []

// `--ceiling PORT THREADS`: serve the bare ceiling for bench/run until killed.
if let flag = CommandLine.arguments.firstIndex(of: "--ceiling"), CommandLine.arguments.count > flag + 2,
    let port = Int(CommandLine.arguments[flag + 1]), let threads = Int(CommandLine.arguments[flag + 2])
{
    try CeilingServer.run(port: port, threads: threads)
}

// `--hashers`: only one line per Django hasher, "hash <algorithm> <nanoseconds>" (bench/run reads it).
if CommandLine.arguments.contains("--hashers") {
    for (algorithm, ns) in HasherCosts.measureAll() { print("hash \(algorithm) \(Int(ns))") }
    exit(0)
}

print("authd micro-benchmark (best of 5 rounds, per operation)")
print("")

// HS256: verification against the bare HMAC over the same bytes.
let hs256 = try JWTKey.hmac(secret: secret, algorithm: .HS256)
let hsSigner = try JWTSigner(key: hs256)
let hsVerifier = JWTVerifier(keys: JWTKeySet(hs256))
let token = try hsSigner.sign(claims)
let signingInput = Array(token[..<token.lastIndex(of: ".")!].utf8)
let bareHMAC = measure(200_000) {
    _ = signingInput.withUnsafeBytes { OpenSSLHMAC.authenticate(key: secret, message: $0, digest: .sha256) }
}
let hsSign = try measure(100_000) { _ = try hsSigner.sign(claims) }
let hsVerify = try measure(100_000) { _ = try hsVerifier.verify(token, policy: policy, now: Double(now)) }
print("token: \(token.utf8.count) bytes, signing input \(signingInput.count) bytes")
row("OpenSSL HMAC() over the signing input", bareHMAC, "(baseline)")
row("HS256 sign (claims -> token)", hsSign)
let hsRatio = hsVerify / bareHMAC
row("HS256 verify (token -> checked claims)", hsVerify, "\(ratio(hsVerify, bareHMAC)) the baseline, target <= 2x")
if hsRatio > 2 { failures.append("HS256 verify is \(ratio(hsVerify, bareHMAC)) the bare HMAC (target <= 2x)") }
print("")

// Asymmetric algorithms.
for (name, algorithm, spec, count) in [
    ("ES256", JWSAlgorithm.ES256, AsymmetricKey.GenerationSpec.ec(.p256), 5000),
    ("EdDSA", .EdDSA, .ed25519, 5000),
    ("RS256", .RS256, .rsa(bits: 2048), 500),
] {
    let key = try JWTKey.asymmetric(AsymmetricKey.generate(spec), algorithm: algorithm)
    let signer = try JWTSigner(key: key)
    let verifier = JWTVerifier(keys: JWTKeySet(key))
    let signed = try signer.sign(claims)
    row("\(name) sign", try measure(count) { _ = try signer.sign(claims) })
    row("\(name) verify", try measure(count * 2) { _ = try verifier.verify(signed, policy: policy, now: Double(now)) })
}
print("")

// Django password verification at Django 5.2's default cost.
let hasher = PBKDF2Hasher()
let stored = try hasher.encode("123", salt: "iiTeYeP8pDNAZxlDbSXc1q")
let reference = measure(1, rounds: 3) {
    _ = PBKDF2.openSSLReference(password: Array("123".utf8), salt: Array("iiTeYeP8pDNAZxlDbSXc1q".utf8), iterations: 1_000_000, byteCount: 32)
}
let djangoVerify = try measure(1, rounds: 3) { _ = try hasher.verify("123", encoded: stored) }
row("PKCS5_PBKDF2_HMAC, SHA-256, 1,000,000 it.", reference, "(baseline)")
row("Django pbkdf2_sha256 verify, 1,000,000 it.", djangoVerify, "\(ratio(reference, djangoVerify)) faster, target >= 3x")
if reference / djangoVerify < 3 { failures.append("PBKDF2 verify only \(ratio(reference, djangoVerify)) faster (target >= 3x)") }
print("")

// One hash of each Django hasher at Django 5.2's parameters, the bare library call on one thread.
for (algorithm, ns) in HasherCosts.measureAll() { row("one \(algorithm) hash (library call)", ns) }
print("")

if failures.isEmpty {
    print("targets: all met")
} else {
    for failure in failures { print("target missed: \(failure)") }
    exit(1)
}
