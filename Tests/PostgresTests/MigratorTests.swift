// Migrations apply once, in order, atomically, and safely when two instances migrate at once.

import EventLoop
import Foundation
import LoopTestSupport
import Postgres
import Testing

@Suite("Migrator", .serialized, .enabled(if: TestPostgres.enabled))
struct MigratorTests {
    private func session(_ url: String) throws -> PostgresSession {
        try PostgresSession(configuration: PostgresConfiguration(url))
    }

    @Test("migrating twice applies sql/ once; the second run applies nothing")
    func migrateTwice() async throws {
        try await TestPostgres.withFreshDatabase(migrated: false) { url in
            let migrator = try Migrator(directory: TestPostgres.migrationsDirectory)
            let session = try session(url)
            defer { session.close() }
            #expect(migrator.migrations.count >= 2 && migrator.migrations[0].label == "0001_users_and_revocations")
            #expect(try migrator.migrate(session) == migrator.migrations.map(\.label))
            #expect(try migrator.migrate(session) == [])
            let recorded = try session.execute("select version, name from authd_schema_migrations order by version")
            #expect(recorded.rows == migrator.migrations.map { [String($0.version), $0.name] })
        }
    }

    @Test("auth_user has Django's columns and types, so Django rows import unchanged")
    func djangoCompatibleUsers() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let session = try session(url)
            defer { session.close() }
            let columns = try session.execute(
                """
                select column_name, data_type, character_maximum_length, is_nullable, column_default is not null
                from information_schema.columns where table_name = 'auth_user' order by ordinal_position
                """)
            #expect(
                columns.rows == [
                    ["id", "bigint", nil, "NO", "f"],  // identity, not a default
                    ["password", "character varying", "128", "NO", "f"],
                    ["last_login", "timestamp with time zone", nil, "YES", "f"],
                    ["is_superuser", "boolean", nil, "NO", "t"],
                    ["username", "character varying", "150", "NO", "f"],
                    ["first_name", "character varying", "150", "NO", "t"],
                    ["last_name", "character varying", "150", "NO", "t"],
                    ["email", "character varying", "254", "NO", "t"],
                    ["is_staff", "boolean", nil, "NO", "t"],
                    ["is_active", "boolean", nil, "NO", "t"],
                    ["date_joined", "timestamp with time zone", nil, "NO", "t"],
                ])
            // A row as Django's dumpdata/COPY would carry it, explicit id included.
            try session.execute(
                """
                insert into auth_user (id, password, last_login, is_superuser, username, first_name,
                    last_name, email, is_staff, is_active, date_joined)
                values (42, 'pbkdf2_sha256$1000000$salt$hash=', null, true, 'admin', '', '', 'a@example.com',
                    true, true, '2024-01-02 03:04:05+00')
                """)
            let next = try session.execute("insert into auth_user (password, username) values ('x', 'bob') returning id")
            #expect(next.first?[0] != nil)
        }
    }

    @Test("simplejwt's blacklist tables have the columns and constraints its migrations create")
    func simplejwtBlacklistTables() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let session = try session(url)
            defer { session.close() }
            let columns = try session.execute(
                """
                select table_name, column_name, data_type, character_maximum_length, is_nullable
                from information_schema.columns where table_name like 'token_blacklist_%' order by table_name, ordinal_position
                """)
            #expect(
                columns.rows == [
                    ["token_blacklist_blacklistedtoken", "id", "bigint", nil, "NO"],
                    ["token_blacklist_blacklistedtoken", "blacklisted_at", "timestamp with time zone", nil, "NO"],
                    ["token_blacklist_blacklistedtoken", "token_id", "bigint", nil, "NO"],
                    ["token_blacklist_outstandingtoken", "id", "bigint", nil, "NO"],
                    ["token_blacklist_outstandingtoken", "token", "text", nil, "NO"],
                    ["token_blacklist_outstandingtoken", "created_at", "timestamp with time zone", nil, "YES"],
                    ["token_blacklist_outstandingtoken", "expires_at", "timestamp with time zone", nil, "NO"],
                    // The type of authd's auth_user.id, which it references.
                    ["token_blacklist_outstandingtoken", "user_id", "bigint", nil, "YES"],
                    ["token_blacklist_outstandingtoken", "jti", "character varying", "255", "NO"],
                ])
            let constraints = try session.execute(
                """
                select conname, contype, condeferrable, condeferred from pg_constraint
                where conrelid::regclass::text like 'token_blacklist_%' order by conname
                """)
            #expect(
                constraints.rows == [
                    ["token_blacklist_blacklistedtoken_pkey", "p", "f", "f"],
                    ["token_blacklist_blacklistedtoken_token_id_3cc7fe56_fk", "f", "t", "t"],
                    ["token_blacklist_blacklistedtoken_token_id_key", "u", "f", "f"],
                    ["token_blacklist_outs_user_id_83bc629a_fk_auth_user", "f", "t", "t"],
                    ["token_blacklist_outstandingtoken_jti_hex_d9bdf6f7_uniq", "u", "f", "f"],
                    ["token_blacklist_outstandingtoken_pkey", "p", "f", "f"],
                ])
        }
    }

    @Test("revocations of earlier versions move into simplejwt's tables, user kept where it exists")
    func revocationsMoveOver() async throws {
        try await TestPostgres.withFreshDatabase(migrated: false) { url in
            let all = try Migrator(directory: TestPostgres.migrationsDirectory)
            let session = try session(url)
            defer { session.close() }
            _ = try Migrator(all.migrations.filter { $0.version <= 2 }).migrate(session)
            try session.execute("insert into auth_user (id, password, username) values (42, 'x', 'alice')")
            try session.execute(
                """
                insert into authd_revoked_token (jti, user_id, expires_at)
                values ('kept', 42, now() + interval '1 day'), ('orphan', 7, now() + interval '2 days'), ('anonymous', null, now())
                """)
            try session.execute("insert into authd_token_cutoff values (42, now())")
            #expect(try all.migrate(session).contains("0003_simplejwt_blacklist"))
            let moved = try session.execute(
                """
                select o.jti, o.user_id::text, o.token, b.blacklisted_at is not null from token_blacklist_outstandingtoken o
                left join token_blacklist_blacklistedtoken b on b.token_id = o.id order by o.jti
                """)
            #expect(moved.rows == [["anonymous", nil, "", "t"], ["kept", "42", "", "t"], ["orphan", nil, "", "t"]])
            #expect(try session.execute("select to_regclass('authd_revoked_token')").first?[0] == .some(nil))
            #expect(try session.execute("select user_id from authd_token_cutoff").first?[0] == "42")
        }
    }

    @Test("two migrators at once: one applies, the other waits on the lock and finds nothing to do")
    func concurrentMigrators() async throws {
        try await TestPostgres.withFreshDatabase(migrated: false) { url in
            // Slow enough that the second run certainly starts while the first holds the lock.
            let migrator = try Migrator([
                (version: 1, name: "slow", sql: "select pg_sleep(0.5); create table concurrent_check (x int)"),
                (version: 2, name: "second", sql: "insert into concurrent_check values (1)"),
            ])
            let outcomes = (0..<2).map { _ in Promise<Result<[String], PostgresSetupError>>() }
            for outcome in outcomes {
                spawnThread(name: "migrator") {
                    outcome.fulfill(
                        Result { () throws(PostgresSetupError) in
                            let session = try PostgresSession(configuration: PostgresConfiguration(url))
                            defer { session.close() }
                            return try migrator.migrate(session)
                        })
                }.detach()
            }
            var results: [[String]] = []
            for outcome in outcomes { results.append(try await outcome.value.get()) }
            #expect(results.sorted { $0.count < $1.count } == [[], ["0001_slow", "0002_second"]])
            let session = try session(url)
            defer { session.close() }
            #expect(try session.execute("select count(*) from concurrent_check").first?[0] == "1")
        }
    }

    @Test("a failing migration leaves nothing behind and is not recorded; a fixed one applies later")
    func failedMigrationRollsBack() async throws {
        try await TestPostgres.withFreshDatabase(migrated: false) { url in
            let session = try session(url)
            defer { session.close() }
            let broken = try Migrator([
                (version: 1, name: "good", sql: "create table first_table (x int)"),
                (version: 2, name: "bad", sql: "create table half_done (x int); select 1/0"),
            ])
            #expect(throws: PostgresSetupError.self) { try broken.migrate(session) }
            #expect(try session.execute("select to_regclass('half_done') is null").first?[0] == "t")
            #expect(try session.execute("select version from authd_schema_migrations").rows == [["1"]])
            let fixed = try Migrator([
                (version: 1, name: "good", sql: "create table first_table (x int)"),
                (version: 2, name: "bad", sql: "create table half_done (x int)"),
            ])
            #expect(try fixed.migrate(session) == ["0002_bad"])
        }
    }

    @Test("migration files must be named NNNN_name.sql; other files are ignored")
    func fileNaming() throws {
        let directory = NSTemporaryDirectory() + "authd-migrations-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "select 2".write(toFile: directory + "/0002_two.sql", atomically: true, encoding: .utf8)
        try "select 1".write(toFile: directory + "/0001_one.sql", atomically: true, encoding: .utf8)
        try "notes".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        let migrations = try Migration.load(directory: directory)
        #expect(migrations.map(\.label) == ["0001_one", "0002_two"])
        #expect(migrations.map(\.sql) == ["select 1", "select 2"])
        try "select 3".write(toFile: directory + "/three.sql", atomically: true, encoding: .utf8)
        #expect(throws: PostgresSetupError.self) { try Migration.load(directory: directory) }
        #expect(throws: PostgresSetupError.self) { try Migration.load(directory: directory + "/missing") }
        #expect(throws: PostgresSetupError.self) {
            try Migrator([(version: 1, name: "a", sql: ""), (version: 1, name: "b", sql: "")])
        }
    }

    @Test("a blocking session maps server errors to SQLSTATEs and rejects NUL in parameters")
    func sessionErrors() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let session = try session(url)
            defer { session.close() }
            try session.execute("insert into auth_user (password, username) values ('x', $1)", ["carol"])
            #expect {
                try session.execute("insert into auth_user (password, username) values ('x', $1)", ["carol"])
            } throws: { error in
                guard case .server(let sqlState, _) = error as? PostgresError else { return false }
                return sqlState == "23505"
            }
            #expect(throws: PostgresError.server(sqlState: "22021", message: "invalid byte sequence for encoding \"UTF8\": 0x00")) {
                try session.execute("select $1::text", ["a\u{0}b"])
            }
            session.close()
            #expect(throws: PostgresError.unavailable) { try session.execute("select 1") }
        }
        #expect(throws: PostgresSetupError.self) {
            try PostgresSession(configuration: PostgresConfiguration("host=127.0.0.1 port=\(TestPostgres.freePort()) user=x"))
        }
    }
}
