// Applies the numbered SQL migrations a database lacks, safely even when several authd
// instances start at once.

/// Brings a database's schema up to date with a `PostgresSession`.
///
/// Bookkeeping lives in `authd_schema_migrations`. The whole run holds a session-level
/// advisory lock, so a second instance migrating at the same time waits, then finds nothing
/// left to do. Each migration runs in its own transaction together with its bookkeeping row:
/// it is applied completely and recorded, or not at all.
public struct Migrator: Sendable {
    /// `pg_advisory_lock` key: the ASCII bytes of "authdmig". Fixed forever, since instances
    /// of different versions must exclude each other too.
    public static let advisoryLockKey: Int64 = 7_022_647_185_664_469_351

    /// The migrations, in version order.
    public let migrations: [Migration]

    /// Uses `migrations` (the ones compiled into authd, or built by a test).
    public init(_ migrations: [Migration]) throws(PostgresSetupError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
            throw PostgresSetupError("migrations \(earlier.label) and \(later.label) share version \(later.version)")
        }
        self.migrations = sorted
    }

    /// Uses `(version, name, sql)` triples (tests).
    public init(_ migrations: [(version: Int, name: String, sql: String)]) throws(PostgresSetupError) {
        try self.init(migrations.map { Migration(version: $0.version, name: $0.name, sql: $0.sql) })
    }

    /// Uses the `NNNN_name.sql` files of `directory` (the project's `sql/`).
    public init(directory: String) throws(PostgresSetupError) {
        try self.init(Migration.load(directory: directory))
    }

    /// Applies what the database lacks, in order, and returns the labels of the migrations
    /// applied (`0001_users_and_revocations`); empty when the schema was already current.
    /// Blocks, including while another instance holds the migration lock.
    public func migrate(_ session: PostgresSession) throws(PostgresSetupError) -> [String] {
        let key = [String(Self.advisoryLockKey)]
        _ = try step("taking the migration lock") { () throws(PostgresError) in
            try session.execute("select pg_advisory_lock($1::bigint)", key)
        }
        // The lock is also released when the session ends, should this unlock fail.
        defer { _ = try? session.execute("select pg_advisory_unlock($1::bigint)", key) }

        // After the lock: two concurrent CREATE TABLE IF NOT EXISTS can collide on pg_type.
        let done = try step("reading authd_schema_migrations") { () throws(PostgresError) in
            try session.executeScript(
                """
                create table if not exists authd_schema_migrations (
                    version integer primary key,
                    name text not null,
                    applied_at timestamptz not null default now()
                )
                """)
            return Set(try session.execute("select version from authd_schema_migrations").compactMap { $0[0].flatMap { Int($0) } })
        }

        var applied: [String] = []
        for migration in migrations where !done.contains(migration.version) {
            try step("applying migration \(migration.label)") { () throws(PostgresError) in
                try session.executeScript("begin")
                do throws(PostgresError) {
                    try session.executeScript(migration.sql)
                    try session.execute(
                        "insert into authd_schema_migrations (version, name) values ($1, $2)",
                        [String(migration.version), migration.name])
                    try session.executeScript("commit")
                } catch {
                    _ = try? session.executeScript("rollback")
                    throw error
                }
            }
            applied.append(migration.label)
        }
        return applied
    }

    private func step<T>(_ what: String, _ body: () throws(PostgresError) -> T) throws(PostgresSetupError) -> T {
        do {
            return try body()
        } catch {
            throw PostgresSetupError("\(what) failed: \(error)")
        }
    }
}
