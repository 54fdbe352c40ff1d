// swift-tools-version:6.0
// The libFuzzer executables, one per FuzzTarget of the root package's FuzzHarness library.
// A package of its own because each executable is built with -sanitize=fuzzer, which links
// libFuzzer and its main(): in the root package they would break a plain `swift build`.
// Built and run by scripts/fuzz.
import PackageDescription

/// FuzzTarget raw values: the executable `fuzz-<name>` runs FuzzTarget(rawValue: name).
let targets = ["token", "claims", "json-body", "form-body", "multipart-body", "authorization-header"]

let package = Package(
    name: "authd-fuzz",
    dependencies: [.package(name: "authd", path: "..")],
    targets: [
        // libFuzzer's entry point for programs that have their own main().
        .systemLibrary(name: "CLibFuzzer"),
        .target(
            name: "LibFuzzerDriver",
            dependencies: ["CLibFuzzer", .product(name: "FuzzHarness", package: "authd")]),
    ] + targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["LibFuzzerDriver", .product(name: "FuzzHarness", package: "authd")])
    },
    swiftLanguageModes: [.v6]
)
