// The pool against a healthy server: round trips, errors, the queue limit, timeouts, and a
// loop that keeps turning while queries run.

import EventLoop
import LoopTestSupport
import Postgres
import Testing

@Suite("Pool queries", .serialized, .enabled(if: TestPostgres.enabled))
struct PoolQueryTests {
    @Test("parameters and results round-trip exactly: unicode, quotes, SQL metacharacters, NULL")
    func roundTrip() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url))
            let user: [String?] = [
                "Zoë_東京_🚀_\u{301}",
                "pbkdf2_sha256$1000000$c2FsdA==$aGFzaA==",
                "O'Brien \"Bobby\" \\ back\\slash",
                "'; drop table auth_user; -- $1 %s %% ? :name",
                "tab\tnewline\ncr\r\u{1}\u{7F}@example.com",
            ]
            let inserted = try #require(await loop.query(pool, "insert_user", user)).get()
            #expect(inserted.columns == ["id"])
            #expect(inserted.affectedRows == 1)
            #expect(Int(inserted.first?[0] ?? "") != nil)

            let found = try #require(await loop.query(pool, "user_by_name", [user[0]])).get()
            #expect(found.columns == ["username", "password", "first_name", "last_name", "email", "last_login"])
            #expect(found.rows == [user + [nil]])
            #expect(found.affectedRows == 1)

            // Every non-NUL byte value that is valid text, as binary-ish data.
            let binaryish = String(String.UnicodeScalarView((1...255).compactMap(Unicode.Scalar.init)))
            let echoed = try #require(await loop.query(pool, "echo", [binaryish])).get()
            #expect(echoed.first?[0] == binaryish)
            #expect(echoed.first?[1] == "255")

            let null = try #require(await loop.query(pool, "echo", [nil])).get()
            #expect(null.rows == [[nil, nil]])
            let none = try #require(await loop.query(pool, "user_by_name", ["nobody"])).get()
            #expect(none.isEmpty && none.affectedRows == 0)
            await loop.close(pool)
        }
    }

    @Test("without prepared statements (a pooler in transaction mode) every query runs unprepared, with the same answers")
    func unpreparedStatements() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            var configuration = try PoolFixture.configuration(url) { $0.connections = 1 }
            let prepared = try await loop.openPool(configuration)
            let count = try #require(await loop.query(prepared, "prepared_count", [])).get()
            #expect(count.first?[0] == String(PoolFixture.statements.count))
            configuration.preparedStatements = false
            let unprepared = try await loop.openPool(configuration)
            let none = try #require(await loop.query(unprepared, "prepared_count", [])).get()
            #expect(none.first?[0] == "0")
            let echoed = try #require(await loop.query(unprepared, "echo", ["Zoë"])).get()
            #expect(echoed.rows == [["Zoë", "3"]])
            await loop.close(prepared)
            await loop.close(unprepared)
        }
    }

    @Test("values larger than the socket buffers are flushed and read in pieces")
    func largeValues() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url))
            let big = String(repeating: "abcdefgh", count: 1_000_000)  // 8 MB: PQflush returns 1
            let echoed = try #require(await loop.query(pool, "echo", [big])).get()
            #expect(echoed.first?[1] == "8000000")
            #expect(echoed.first?[0] == big)
            let repeated = try #require(await loop.query(pool, "repeat", ["8000000"])).get()
            #expect(repeated.first?[0]?.utf8.count == 8_000_000)
            await loop.close(pool)
        }
    }

    @Test("a server error maps to .server with its SQLSTATE, and the connection stays usable")
    func serverErrors() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 1 })
            let user: [String?] = ["dave", "x", "", "", ""]
            _ = try #require(await loop.query(pool, "insert_user", user)).get()
            let duplicate = try #require(await loop.query(pool, "insert_user", user))
            guard case .server(let sqlState, let message) = duplicate.failure else {
                Issue.record("expected a server error, got \(duplicate)")
                return
            }
            #expect(sqlState == "23505")
            #expect(message.contains("auth_user_username_key"))

            #expect(try #require(await loop.query(pool, "echo", ["still fine"])).get().first?[0] == "still fine")
            let unknown = try #require(await loop.query(pool, "no_such_statement", []))
            #expect(unknown.failure.map { if case .server("26000", _) = $0 { true } else { false } } == true)
            let badInput = try #require(await loop.query(pool, "repeat", ["not a number"]))
            #expect(badInput.failure.map { if case .server("22P02", _) = $0 { true } else { false } } == true)
            let stats = try #require(await loop.stats(pool))
            #expect(stats.errors == 3 && stats.idle == 1 && stats.connectionFailures == 0)
            await loop.close(pool)
        }
    }

    @Test("a NUL in a parameter is refused with 22021 instead of silently cutting the value")
    func nulParameter() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url))
            let result = try #require(await loop.query(pool, "echo", ["admin\u{0}suffix"]))
            #expect(result.failure.map { if case .server("22021", _) = $0 { true } else { false } } == true)
            await loop.close(pool)
        }
    }

    @Test("a full queue answers .unavailable at once; the queued queries still run in order")
    func queueLimit() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(
                PoolFixture.configuration(url) {
                    $0.connections = 1
                    // One query in flight, so that the next two wait in the queue.
                    $0.pipelineDepth = 1
                    $0.queueLimit = 2
                })
            typealias Outcome = (order: [String], errors: [PostgresError?], depth: Int, orderWhenRefused: [String], depthAfter: Int)
            let outcome: Outcome = try #require(
                await loop.perform { eventLoop, finish in
                    var order: [String] = []
                    var results: [Result<PostgresRows, PostgresError>] = []
                    var depth = 0
                    var orderWhenRefused: [String] = []
                    func done(_ name: String) -> (Result<PostgresRows, PostgresError>) -> Void {
                        { result in
                            order.append(name)
                            results.append(result)
                            if results.count == 4 {
                                finish((order, results.map(\.failure), depth, orderWhenRefused, pool.value.stats.queueDepth))
                            }
                        }
                    }
                    pool.value.query("sleep", ["0.3"], completion: done("sleep"))
                    pool.value.query("echo", ["first"], completion: done("first"))
                    pool.value.query("echo", ["second"], completion: done("second"))
                    // Once this iteration's queries are dispatched: one in flight, two waiting.
                    afterDispatch(on: eventLoop) { depth = pool.value.stats.queueDepth }
                    pool.value.query("echo", ["refused"], completion: done("refused"))
                    orderWhenRefused = order
                })
            #expect(outcome.2 == 2)
            // The refusal ran synchronously, before query returned.
            #expect(outcome.3 == ["refused"])
            #expect(outcome.0 == ["refused", "sleep", "first", "second"])
            #expect(outcome.1 == [.unavailable, nil, nil, nil])
            #expect(outcome.4 == 0)
            await loop.close(pool)
        }
    }

    @Test("a query over queryTimeout fails with .timeout, its connection resets, and the pool recovers")
    func queryTimeout() async throws {
        try await QueryTimeoutFixture.withPool { loop, pool, logs in
            let outcome = try await loop.sleepThenEcho(pool, ["waits behind it"])
            #expect(outcome.errors == [.timeout, .timeout])
            #expect(outcome.slowest < 1.5, "the last timeout came after \(outcome.slowest) s")
            #expect(try await loop.echoOnceReady(pool, ["back"]) == ["back"])
            #expect(logs.all.contains { $0.contains("timed out") && $0.contains("resetting") })
        }
    }

    @Test("the loop thread never blocks: a 10 ms timer keeps firing while queries run")
    func loopKeepsTurning() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url))
            let report: (Ticker.Report, [PostgresError]) = try #require(
                await loop.perform { loop, finish in
                    let ticker = Ticker(loop: loop)
                    var remaining = 12
                    var failures: [PostgresError] = []
                    for index in 0..<12 {
                        // 0.25 s sleeps: a loop blocked in any of them would show a 250 ms gap.
                        let (statement, value) = index % 3 == 0 ? ("echo", "x") : ("sleep", "0.25")
                        pool.value.query(statement, [value]) { result in
                            if let failure = result.failure { failures.append(failure) }
                            remaining -= 1
                            if remaining == 0 { finish((ticker.stop(), failures)) }
                        }
                    }
                })
            #expect(report.1 == [])
            let ticks = report.0
            #expect(ticks.ticks > 50)
            #expect(ticks.longestGap < 0.15, "the loop stalled for \(ticks.longestGap) s")
            await loop.close(pool)
        }
    }

    @Test("queries made right after init wait for the first connections instead of failing")
    func queriesDuringStartup() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let configuration = try PoolFixture.configuration(url)
            let result: (Bool, Result<String?, PostgresError>) = try #require(
                await loop.perform { loop, finish in
                    let pool = PostgresPool(loop: loop, configuration: configuration, statements: PoolFixture.statements)
                    let readyAtStart = pool.isReady
                    pool.query("echo", ["early"]) { result in
                        pool.close()
                        finish((readyAtStart, result.map { $0.first?[0] }))
                    }
                })
            #expect(result.0 == false)
            #expect(try result.1.get() == "early")
        }
    }

    @Test("close() fails queued and in-flight queries with .unavailable, and every later query")
    func closeFailsEverything() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 1 })
            let failures: ([PostgresError?], Bool, PostgresPoolStats) = try #require(
                await loop.perform { _, finish in
                    var failures: [PostgresError?] = []
                    for _ in 0..<3 {
                        pool.value.query("sleep", ["1"]) { failures.append($0.failure) }
                    }
                    pool.value.close()
                    pool.value.query("echo", ["late"]) { failures.append($0.failure) }
                    finish((failures, pool.value.isReady, pool.value.stats))
                })
            #expect(failures.0 == [.unavailable, .unavailable, .unavailable, .unavailable])
            #expect(failures.1 == false)
            #expect(failures.2.idle == 0 && failures.2.busy == 0 && failures.2.queueDepth == 0)
        }
    }

    @Test("a statement that fails to prepare keeps the connection out of service and is logged")
    func badStatement() async throws {
        let url = try TestPostgres.serverURL()
        let logs = LogSink()
        let configuration = try PoolFixture.configuration(url, logs: logs) { $0.connections = 1 }
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let outcome: (PostgresError?, Bool) = try #require(
            await loop.perform { loop, finish in
                let pool = PostgresPool(
                    loop: loop, configuration: configuration,
                    statements: [PreparedStatement(name: "broken", sql: "selec 1")])
                pool.query("broken", []) { result in
                    let ready = pool.isReady
                    pool.close()
                    finish((result.failure, ready))
                }
            })
        #expect(outcome.0 == .unavailable)
        #expect(outcome.1 == false)
        #expect(logs.all.contains { $0.contains("preparing statement broken failed") && $0.contains("42601") })
    }
}
