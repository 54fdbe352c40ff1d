// swift-tools-version:6.0
// authd: a JWT authentication server compatible with djangorestframework-simplejwt.
// Layering (each arrow is an allowed import):
//   JWT, Passwords -> AuthCrypto -> COpenSSL      JSON (pure Swift, no C)
//   Passwords -> CArgon2 (libargon2), CCrypt (libxcrypt's bcrypt)
//   AuthServer -> EventLoop -> CLibevent, CEvhttpInternals, CLinux; Postgres -> CLibpq, EventLoop
// Each C library has one Swift module over it; everything above sees Swift types.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "authd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "authd", targets: ["authd"]),
        .library(name: "JWT", targets: ["JWT"]),
        .library(name: "Passwords", targets: ["Passwords"]),
        // For the libFuzzer executables in Fuzz/, a separate package.
        .library(name: "FuzzHarness", targets: ["FuzzHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // Native libraries, one system-library target each (Debian's -dev packages).
        .systemLibrary(
            name: "CLibevent", pkgConfig: "libevent_pthreads",
            providers: [.apt(["libevent-dev"]), .brew(["libevent"])]),
        .systemLibrary(
            name: "CLibpq", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // Django's argon2 and bcrypt hashes: the reference libargon2, and libxcrypt's crypt_rn.
        .systemLibrary(name: "CArgon2", providers: [.apt(["libargon2-dev"]), .brew(["argon2"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"]), .brew(["libxcrypt"])]),
        // Linux calls Swift cannot import (variadic syscall, GNU-only constants). OpenSSL's
        // macros have their function forms in COpenSSL's own header.
        .target(name: "CLinux"),
        // The one read of libevent 2.1's internals: a guarded mirror of the evhttp connection's
        // parse state and current request (see its header for why).
        .target(name: "CEvhttpInternals", linkerSettings: [.linkedLibrary("event")]),

        // Pure Swift JSON reader/writer for attacker-controlled bytes.
        .target(name: "JSON", swiftSettings: strictSwift),
        // The one Swift module over OpenSSL: digests, HMAC, PBKDF2, keys, signatures, randomness.
        .target(name: "AuthCrypto", dependencies: ["COpenSSL"], swiftSettings: strictSwift),
        // The one Swift module over libevent: event loops, timers, socket watches, the inbox,
        // the worker pool and the evhttp server.
        .target(name: "EventLoop", dependencies: ["CLibevent", "CEvhttpInternals", "CLinux"], swiftSettings: strictSwift),
        // Compact JWS/JWT: encode, decode, verify, claims, JWK.
        .target(name: "JWT", dependencies: ["AuthCrypto", "JSON"], swiftSettings: strictSwift),
        // Django's password hashers (PASSWORD_HASHERS): pbkdf2_sha256, pbkdf2_sha1, argon2,
        // bcrypt_sha256, bcrypt, scrypt, md5. The only module over libargon2 and libxcrypt.
        .target(name: "Passwords", dependencies: ["AuthCrypto", "CArgon2", "CCrypt"], swiftSettings: strictSwift),
        // The one Swift module over libpq: the per-loop nonblocking pool, the blocking session for
        // command-line tools, and the schema migrator.
        .target(name: "Postgres", dependencies: ["CLibpq", "EventLoop"], swiftSettings: strictSwift),

        // The application: settings, routes, the simplejwt-compatible handlers, the server.
        // docs/openapi.json and sql/*.sql are compiled in (the EmbedFiles plugin).
        .target(
            name: "AuthServer", dependencies: ["EventLoop", "Postgres", "JWT", "Passwords", "JSON", "AuthCrypto"],
            swiftSettings: strictSwift, plugins: ["EmbedFiles"]),
        // The command line: serve, migrate, user, flush-expired, keygen, healthcheck.
        .executableTarget(
            name: "authd",
            dependencies: [
                "AuthServer", "Postgres", "JWT", "Passwords", "AuthCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift),

        // Files the binary carries instead of shipping beside it: a build plugin and its tool.
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        .executableTarget(name: "embed-files"),

        // One entry point per fuzz target: everything that reads attacker bytes, driven the way
        // authd drives it. Built and replayed over Fuzz/Corpus and Fuzz/Regressions on every test
        // run; Fuzz/Package.swift links it with libFuzzer.
        .target(name: "FuzzHarness", dependencies: ["AuthServer", "JWT", "JSON"], swiftSettings: strictSwift),

        // Prints the cost per operation of signing, verifying and hashing (run in release).
        .executableTarget(
            name: "authd-microbench", dependencies: ["JWT", "Passwords", "AuthCrypto", "JSON", "CArgon2", "CCrypt", "EventLoop"],
            swiftSettings: strictSwift),

        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strictSwift),
        .testTarget(
            name: "AuthCryptoTests", dependencies: ["AuthCrypto"],
            swiftSettings: strictSwift),
        .testTarget(
            name: "JWTTests", dependencies: ["JWT", "AuthCrypto", "JSON"],
            exclude: ["Fixtures"], swiftSettings: strictSwift),
        .testTarget(
            name: "PasswordsTests", dependencies: ["Passwords", "AuthCrypto"],
            resources: [.copy("Fixtures")], swiftSettings: strictSwift),
        .testTarget(
            name: "AuthServerTests", dependencies: ["AuthServer", "EventLoop", "Postgres", "JWT", "JSON", "AuthCrypto", "Passwords", "LoopTestSupport"],
            swiftSettings: strictSwift),
        .testTarget(name: "FuzzHarnessTests", dependencies: ["FuzzHarness", "JWT"], swiftSettings: strictSwift),
        // A test's event loop on a thread of its own, for the suites that drive loops.
        .target(name: "LoopTestSupport", dependencies: ["EventLoop"], path: "Tests/LoopTestSupport", swiftSettings: strictSwift),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "LoopTestSupport"], swiftSettings: strictSwift),
        .testTarget(
            name: "PostgresTests", dependencies: ["Postgres", "EventLoop", "LoopTestSupport"],
            swiftSettings: strictSwift),
    ],
    swiftLanguageModes: [.v6]
)
