// The login throttle in PostgreSQL (sql/0005_login_throttle.sql): one read before a login's hash,
// one write after it, through the loop's pool. Every instance on the database shares it.
import Postgres

/// The throttle's statements, written for the configured limits (they are constants of the SQL).
struct LoginThrottleStatements {
    let check: TypedStatement<LoginAttempt, ThrottleVerdict>
    let recordFailure: TypedStatement<LoginAttempt, Void>
    let recordSuccess: TypedStatement<LoginAttempt, Void>

    var all: [PreparedStatement] { [check.prepared, recordFailure.prepared, recordSuccess.prepared] }

    init(_ limits: LoginThrottleSettings, caseInsensitiveUsername: Bool) {
        // $1 the username as sent, $2 the client's address key.
        let user = "sha256(convert_to(\(caseInsensitiveUsername ? "upper($1::text)" : "$1::text"), 'UTF8'))"
        let pair = "user_key = \(user) AND address = $2::text"
        func interval(_ seconds: Int) -> String { "'\(seconds) seconds'::interval" }
        // The clock when the check runs: now() is when the transaction began, which in a
        // pipeline can be before a failure another connection has since recorded. As an
        // InitPlan's value (evaluated once) the indexes still serve the comparisons.
        let now = "(SELECT now FROM clock)"
        // Seconds until the failures matching `condition` are fewer than the limit again: the
        // count-th newest failure within the window leaves it then (a sliding window, exact).
        // NULL when there are fewer. Reads at most `count` index entries.
        func wait(_ rate: ThrottleRate?, _ condition: String) -> String {
            guard let rate else { return "NULL::float8" }
            return """
                extract(epoch FROM (SELECT at FROM authd_login_failure WHERE \(condition) AND at > \(now) - \(interval(rate.seconds))
                                    ORDER BY at DESC OFFSET \(rate.count - 1) LIMIT 1) + \(interval(rate.seconds)) - \(now))::float8
                """
        }
        let known =
            limits.knownFor > 0
            ? "EXISTS (SELECT 1 FROM authd_login_known WHERE \(pair) AND last_success > \(now) - \(interval(limits.knownFor)))" : "false"
        let parameters: @Sendable (LoginAttempt) -> [String?] = { [$0.username, $0.address] }

        check = TypedStatement(
            PreparedStatement(
                name: "login_throttle_check",
                sql: """
                    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS now),
                         pair AS (SELECT \(known) AS known)
                    SELECT \(wait(limits.pair, pair)) AS pair_wait,
                           CASE WHEN (SELECT known FROM pair) THEN NULL ELSE \(wait(limits.address, "address = $2::text")) END AS address_wait,
                           CASE WHEN (SELECT known FROM pair) THEN NULL ELSE \(wait(limits.user, "user_key = \(user)")) END AS user_wait
                    """,
                readOnly: true),
            encode: parameters,
            decode: { rows throws(PostgresError) in
                guard rows.count == 1, let row = rows.row(0) else { throw .unexpectedResult("expected one row, got \(rows.count)") }
                func seconds(_ column: String) throws(PostgresError) -> Double? {
                    guard let text = try row.text(column) else { return nil }
                    guard let value = Double(text) else { throw .unexpectedResult("column \"\(column)\" is not a number") }
                    return value
                }
                return ThrottleVerdict(pairWait: try seconds("pair_wait"), addressWait: try seconds("address_wait"), userWait: try seconds("user_wait"))
            })

        // Each failure also deletes up to 16 failures past the longest window, skipping rows
        // another instance is deleting: the table keeps itself to the windows' size, with no
        // timer and no waiting between instances.
        recordFailure = TypedStatement(
            PreparedStatement(
                name: "login_throttle_failure",
                sql: """
                    WITH purge AS (
                        DELETE FROM authd_login_failure WHERE ctid = ANY (ARRAY(
                            SELECT ctid FROM authd_login_failure WHERE at < now() - \(interval(limits.retention))
                            LIMIT 16 FOR UPDATE SKIP LOCKED)))
                    INSERT INTO authd_login_failure (user_key, address, at) VALUES (\(user), $2::text, clock_timestamp())
                    """),
            encode: parameters, decode: { _ in })

        // The pair's failures are forgotten (its own limit starts over; other usernames' failures
        // from the address stay), and the pair is known from now on.
        let forget = "DELETE FROM authd_login_failure WHERE \(pair)"
        recordSuccess = TypedStatement(
            PreparedStatement(
                name: "login_throttle_success",
                sql: limits.knownFor > 0
                    ? """
                    WITH forget AS (\(forget)),
                         purge AS (
                             DELETE FROM authd_login_known WHERE ctid = ANY (ARRAY(
                                 SELECT ctid FROM authd_login_known WHERE last_success < now() - \(interval(limits.knownFor))
                                 LIMIT 16 FOR UPDATE SKIP LOCKED)))
                    INSERT INTO authd_login_known (user_key, address, last_success) VALUES (\(user), $2::text, clock_timestamp())
                    ON CONFLICT (user_key, address) DO UPDATE SET last_success = excluded.last_success
                    """ : forget),
            encode: parameters, decode: { _ in })
    }
}

/// The throttle's counts, read and written through one loop's pool.
final class PostgresLoginThrottleStore: LoginThrottleStore {
    let pool: PostgresPool
    let statements: LoginThrottleStatements

    init(pool: PostgresPool, statements: LoginThrottleStatements) {
        self.pool = pool
        self.statements = statements
    }

    func check(_ attempt: LoginAttempt, then: @escaping (Result<ThrottleVerdict, StoreError>) -> Void) {
        pool.run(statements.check, attempt) { then($0.mapError(StoreError.init)) }
    }

    func recordFailure(_ attempt: LoginAttempt, then: @escaping () -> Void) {
        pool.run(statements.recordFailure, attempt) { _ in then() }
    }

    func recordSuccess(_ attempt: LoginAttempt) {
        pool.run(statements.recordSuccess, attempt) { _ in }
    }
}
