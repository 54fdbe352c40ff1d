// Finds or starts the PostgreSQL server the tests run against (scripts/test-postgres), and
// hands each test a fresh database.

import EventLoop
import Foundation
import LoopTestSupport
@testable import Postgres
import Testing

enum TestPostgres {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let migrationsDirectory = packageRoot + "/sql"
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The server shared by tests that don't stop it: `AUTHD_TEST_DATABASE_URL`, or a cluster this
    /// process starts on first use and stops when it exits.
    static let shared: Result<String, TestSetupError> = {
        if let url = ProcessInfo.processInfo.environment["AUTHD_TEST_DATABASE_URL"], !url.isEmpty {
            return .success(url)
        }
        do throws(TestSetupError) {
            let cluster = try Cluster.create()
            sharedCluster.withLock { $0 = cluster }
            atexit { TestPostgres.sharedCluster.withLock { $0?.destroy() } }
            return .success(cluster.url)
        } catch {
            return .failure(error)
        }
    }()
    static let sharedCluster = Lock<Cluster?>(nil)

    /// Database tests run when a server is at hand, and always under CI, where a server that
    /// cannot be started fails them instead of skipping them.
    static var enabled: Bool { isCI || (try? shared.get()) != nil }

    /// Fault tests stop and kill servers, so they start their own, which needs the binaries.
    static var canStartClusters: Bool {
        isCI || (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
        } == true
    }

    static func serverURL() throws -> String { try shared.get() }

    /// Runs `body` with the URL of a new, empty database (migrated if asked), dropped afterwards.
    static func withFreshDatabase<T>(migrated: Bool = true, _ body: (String) async throws -> T) async throws -> T {
        let server = try serverURL()
        let name = "authd_test_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresSession(configuration: PostgresConfiguration(server))
        defer { admin.close() }
        try admin.execute("create database \(name)")
        let url = replacingDatabase(in: server, with: name)
        do {
            if migrated {
                let session = try PostgresSession(configuration: PostgresConfiguration(url))
                _ = try Migrator(directory: migrationsDirectory).migrate(session)
                session.close()
            }
            let result = try await body(url)
            _ = try? admin.execute("drop database \(name) with (force)")
            return result
        } catch {
            _ = try? admin.execute("drop database \(name) with (force)")
            throw error
        }
    }

    /// The same server with another database name, for URLs and key/value strings alike.
    static func replacingDatabase(in connectionString: String, with name: String) -> String {
        for scheme in ["postgresql://", "postgres://"] where connectionString.hasPrefix(scheme) {
            let rest = connectionString.dropFirst(scheme.count)
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let query = rest[authorityEnd...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
            return scheme + rest[..<authorityEnd] + "/" + name + query
        }
        return connectionString + " dbname=" + name  // a later keyword overrides an earlier one
    }

    /// A TCP port nothing listens on right now.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// A throwaway cluster in a temporary directory, driven by scripts/test-postgres.
struct Cluster: Sendable {
    let directory: String
    let port: Int
    let url: String

    /// initdb and start on a free port.
    static func create() throws(TestSetupError) -> Cluster {
        var template = Array("/tmp/authd-pg-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestSetupError(description: "mkdtemp failed") }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = TestPostgres.freePort()
        let url = try Cluster.script(["start", directory, String(port)])
        return Cluster(directory: directory, port: port, url: url)
    }

    /// Applies sql/ to the cluster's default database (the fault tests use it directly).
    func migrate() throws {
        let session = try PostgresSession(configuration: PostgresConfiguration(url))
        defer { session.close() }
        _ = try Migrator(directory: TestPostgres.migrationsDirectory).migrate(session)
    }

    /// `create()` on a thread of its own (initdb takes a second or two).
    static func createOffThread() async throws -> Cluster {
        let outcome = Promise<Result<Cluster, TestSetupError>>()
        spawnThread(name: "test-postgres-initdb") {
            outcome.fulfill(Result { () throws(TestSetupError) in try create() })
        }.detach()
        return try await outcome.value.get()
    }

    /// Starts the cluster again (same directory and port) and waits until it accepts connections.
    func start() async throws { _ = try await Cluster.scriptOffThread(["start", directory, String(port)]) }
    func stop() async throws { _ = try await Cluster.scriptOffThread(["stop", directory]) }
    func restart() async throws { _ = try await Cluster.scriptOffThread(["restart", directory]) }
    func kill() async throws { _ = try await Cluster.scriptOffThread(["kill", directory]) }

    /// Stops the server and removes its files.
    func destroy() {
        _ = try? Cluster.script(["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script and returns its last output line; throws with its output on failure.
    /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit depends on
    /// a run loop and hung here when called inside a lazy static initializer.
    static func script(_ arguments: [String]) throws(TestSetupError) -> String {
        var template = Array("/tmp/authd-test-postgres-output-XXXXXX".utf8CString)
        let output = mkstemp(&template)
        guard output >= 0 else { throw TestSetupError(description: "mkstemp failed") }
        defer {
            close(output)
            unlink(template)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        let path = TestPostgres.packageRoot + "/scripts/test-postgres"
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestSetupError(description: "cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Read back through our descriptor (String(contentsOfFile:) leaks on an empty file).
        lseek(output, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = read(output, &chunk, chunk.count), count > 0 { bytes += chunk[..<count] }
        let text = String(decoding: bytes, as: UTF8.self)
        // Exited normally (low 7 bits zero) with status 0.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestSetupError(description: "scripts/test-postgres \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The script blocks for up to seconds (pg_ctl -w); run it on a thread of its own rather
    /// than on one of the few threads Swift concurrency has.
    static func scriptOffThread(_ arguments: [String]) async throws -> String {
        let outcome = Promise<Result<String, TestSetupError>>()
        spawnThread(name: "test-postgres-script") {
            outcome.fulfill(Result { () throws(TestSetupError) in try script(arguments) })
        }.detach()
        return try await outcome.value.get()
    }
}
