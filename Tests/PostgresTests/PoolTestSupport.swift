// Shared pieces of the pool tests: the statements, a pool opened on a test loop, one query, the
// first success after an outage.

import EventLoop
import LoopTestSupport
import Postgres
import Testing

enum PoolFixture {
    static let statements = [
        PreparedStatement(
            name: "insert_user",
            sql: """
                insert into auth_user (username, password, first_name, last_name, email)
                values ($1, $2, $3, $4, $5) returning id
                """),
        PreparedStatement(
            name: "user_by_name",
            sql: "select username, password, first_name, last_name, email, last_login from auth_user where username = $1",
            readOnly: true),
        PreparedStatement(name: "echo", sql: "select $1::text as value, length($1::text) as length", readOnly: true),
        PreparedStatement(name: "sleep", sql: "select pg_sleep($1::float8)", readOnly: true),
        PreparedStatement(name: "repeat", sql: "select repeat('x', $1::int)", readOnly: true),
        // This session's named statements (protocol-level ones included).
        PreparedStatement(name: "prepared_count", sql: "select count(*) from pg_prepared_statements", readOnly: true),
    ]

    static func configuration(
        _ url: String, logs: LogSink? = nil, _ adjust: (inout PostgresConfiguration) -> Void = { _ in }
    ) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url)
        if let logs { configuration.logger = logs.logger }
        adjust(&configuration)
        return configuration
    }
}

extension LoopThread {
    /// Opens a pool on this loop and waits (on the loop) until all its connections are idle.
    func openPool(_ configuration: PostgresConfiguration, waitForConnections: Bool = true) async throws -> LoopBound<PostgresPool> {
        try #require(
            await perform { loop, finish in
                let pool = PostgresPool(loop: loop, configuration: configuration, statements: PoolFixture.statements)
                guard waitForConnections else { return finish(LoopBound(pool, on: loop)) }
                waitUntil(loop: loop, timeout: 10, { pool.stats.idle == configuration.connections }) { _ in
                    finish(LoopBound(pool, on: loop))
                }
            })
    }

    /// One query; nil means no completion within 20 s (a hang, which the caller reports).
    func query(_ pool: LoopBound<PostgresPool>, _ statement: String, _ parameters: [String?]) async -> Result<PostgresRows, PostgresError>? {
        await perform { _, finish in pool.value.query(statement, parameters) { finish($0) } }
    }

    func stats(_ pool: LoopBound<PostgresPool>) async -> PostgresPoolStats? {
        await perform { _, finish in finish(pool.value.stats) }
    }

    /// After an outage: queries every 20 ms until one succeeds (within 10 s); the monotonic
    /// time of that success.
    func firstSuccess(_ pool: LoopBound<PostgresPool>) async throws -> Double {
        try #require(
            await perform(timeout: 10) { loop, finish in
                func attempt() {
                    pool.value.query("echo", ["back"]) { result in
                        if case .success = result { return finish(monotonic()) }
                        after(0.02, on: loop) { attempt() }
                    }
                }
                attempt()
            })
    }

    func close(_ pool: LoopBound<PostgresPool>) async {
        _ = await perform { _, finish in
            pool.value.close()
            finish(true)
        }
    }
}

extension Result where Failure == PostgresError {
    var failure: PostgresError? {
        if case .failure(let error) = self { error } else { nil }
    }
}

/// Runs `body` later in the current loop iteration: after the pool's deferred dispatch, which
/// sends the queries issued so far in this iteration (stats read there show them in flight).
func afterDispatch(on loop: EventLoop, _ body: @escaping () -> Void) {
    final class Holder {
        var trigger: LoopTrigger?
    }
    let holder = Holder()
    holder.trigger = LoopTrigger(loop: loop) {
        body()
        holder.trigger = nil  // the trigger keeps itself alive while it runs
    }
    holder.trigger?.fire()
}
