// Shared helpers for the JWT tests: fixture paths, JSON loading, token surgery.
import AuthCrypto
import Foundation
import JSON
import JWT

enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/testdata/<path>`.
    static func shared(_ path: String) -> URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata").appendingPathComponent(path)
    }

    static func local(_ path: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/JWTTests/Fixtures").appendingPathComponent(path)
    }

    static func json(_ url: URL) throws -> JSONValue {
        try JSONParser.parse([UInt8](Data(contentsOf: url)), options: .init(maxDepth: 64))
    }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue? { objectValue?[key] }
    var int: Int? { numberValue?.int64.map(Int.init) }
}

func b64url(_ text: String) -> String { Base64.encode(Array(text.utf8), alphabet: .url, padded: false) }

/// A token with the given header and payload JSON texts, signed by `key` (or with `signature`).
func handmadeToken(header: String, payload: String, key: JWTKey? = nil, signature: String? = nil) throws -> String {
    let input = b64url(header) + "." + b64url(payload)
    if let signature { return input + "." + signature }
    let raw = try Array(input.utf8).withUnsafeBytes { bytes in try key!.signature(for: bytes) }
    return input + "." + Base64.encode(raw, alphabet: .url, padded: false)
}

let testSecret = Array("a-test-secret-that-is-at-least-32-bytes-long!".utf8)
