// The fuzz targets: every way attacker bytes enter authd, each driven as the server drives it.
// Thrown errors are the expected outcome for most inputs; only a trap (or a sanitizer report)
// is a finding, including the `fatalError`s below that check invariants the targets rely on.

/// One fuzz target. The raw value names its libFuzzer executable (`fuzz-<name>`, Fuzz/Package.swift)
/// and its seed and regression folders (`Fuzz/Corpus/<name>`, `Fuzz/Regressions/<name>`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Arbitrary bytes as a compact JWT.
    case token
    /// Arbitrary bytes as the payload of a correctly signed JWT.
    case claims
    /// An `application/json` request body.
    case jsonBody = "json-body"
    /// An `application/x-www-form-urlencoded` request body.
    case formBody = "form-body"
    /// A Content-Type header line, then a request body (meant for `multipart/form-data`).
    case multipartBody = "multipart-body"
    /// An `Authorization` header's value.
    case authorizationHeader = "authorization-header"

    /// Feeds `input` to this target. Returns normally for every input unless authd has a bug.
    public func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .token: Self.token(input)
        case .claims: Self.claims(input)
        case .jsonBody: Self.jsonBody(input)
        case .formBody: Self.formBody(input)
        case .multipartBody: Self.multipartBody(input)
        case .authorizationHeader: Self.authorizationHeader(input)
        }
    }
}
