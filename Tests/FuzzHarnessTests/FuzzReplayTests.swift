// Replays every seed and every input that once crashed a fuzz target or got a wrong answer from
// it, without libFuzzer, so that each test run checks the fixes still hold. A regression shows up
// as this process trapping (the targets check answers with fatalError, as libFuzzer needs).
import Foundation
import FuzzHarness
import JWT
import Testing

@Suite("Fuzz corpus replay")
struct FuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files in `Fuzz/<kind>/<target>/`, sorted; none when the folder does not exist.
    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let folder = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A file's bytes, read with stdio: Foundation's `Data(contentsOf:)` leaves its buffer
    /// behind for LeakSanitizer (scripts/sanitize address) in this toolchain.
    static func bytes(of file: URL) throws -> [UInt8] {
        guard let handle = fopen(file.path, "rb") else { throw CocoaError(.fileReadNoSuchFile) }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    /// Seeds are replayed per target (there are many); should one trap, running the fuzzer on
    /// its folder names it: `.build-fuzz/release/fuzz-<target> Fuzz/Corpus/<target>/*`.
    @Test("every seed runs through its target without a trap", arguments: FuzzTarget.allCases)
    func seeds(target: FuzzTarget) throws {
        let files = try Self.inputs("Corpus", target)
        #expect(!files.isEmpty, "Fuzz/Corpus/\(target.rawValue) has no seeds")
        for file in files {
            try Self.bytes(of: file).withUnsafeBytes { target.run($0) }
        }
    }

    /// One file of Fuzz/Regressions, named in the test output so that a trap shows which it was.
    struct Regression: CustomTestStringConvertible, Sendable {
        let target: FuzzTarget
        let file: URL
        var testDescription: String { "\(target.rawValue)/\(file.lastPathComponent)" }
    }

    static func regressions() throws -> [Regression] {
        try FuzzTarget.allCases.flatMap { target in try inputs("Regressions", target).map { Regression(target: target, file: $0) } }
    }

    @Test("every input that once crashed a target or got a wrong answer runs without a trap", arguments: try regressions())
    func regression(_ input: Regression) throws {
        try Self.bytes(of: input.file).withUnsafeBytes { input.target.run($0) }
    }

    /// The test above runs one case per file, so it would pass with none: a missing or emptied
    /// folder (or one misnamed, which no target reads) must fail here instead.
    @Test("Fuzz/Regressions holds past findings, each in the folder of a target")
    func regressionsPresent() throws {
        let folder = Self.fuzzDirectory.appendingPathComponent("Regressions")
        var isDirectory: ObjCBool = false
        try #require(
            FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue,
            "Fuzz/Regressions is missing")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
        for name in names {
            let target = FuzzTarget(rawValue: name)
            #expect(target != nil, "Fuzz/Regressions/\(name) is not a fuzz target's name")
            if let target { #expect(try !Self.inputs("Regressions", target).isEmpty, "Fuzz/Regressions/\(name) is empty") }
        }
        #expect(try !Self.regressions().isEmpty, "Fuzz/Regressions has no inputs")
    }

    /// Seeds named `valid-*` are tokens (or headers carrying one) signed with the harness keys:
    /// if the keys or the token rules change, fuzzing would silently start from refused tokens.
    @Test("the valid seed tokens still verify with the harness keys")
    func validSeedTokens() throws {
        var checked = 0
        for target in [FuzzTarget.token, .authorizationHeader] {
            for file in try Self.inputs("Corpus", target) where file.lastPathComponent.hasPrefix("valid-") {
                var token = try String(contentsOf: file, encoding: .utf8)
                if target == .authorizationHeader { token = String(token.dropFirst("Bearer ".count)) }
                let accepted: Bool
                if file.lastPathComponent.contains("hs256") {
                    accepted = (try? HarnessKeys.authority.verify(token, type: nil, now: HarnessKeys.now)) != nil
                } else {
                    accepted = (try? HarnessKeys.asymmetricVerifier.verify(token, policy: ClaimsPolicy(), now: HarnessKeys.now)) != nil
                }
                #expect(accepted, "\(target.rawValue)/\(file.lastPathComponent) no longer verifies")
                checked += 1
            }
        }
        #expect(checked > 0)
    }
}
