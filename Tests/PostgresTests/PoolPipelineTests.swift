// Pipeline mode: many queries in flight on one connection, answered in order; an error, a
// timeout or a dead server with a full pipeline, and what each does to the other queries.

import EventLoop
import LoopTestSupport
import Postgres
import Testing

@Suite("Pool pipelining", .serialized, .enabled(if: TestPostgres.enabled))
struct PoolPipelineTests {
    @Test("many concurrent queries on one connection are pipelined and complete in order with their own rows")
    func manyInOrder() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 1 })
            let count = 40
            typealias Outcome = (order: [Int], values: [String?], errors: [PostgresError?], stats: PostgresPoolStats, after: PostgresPoolStats)
            let outcome: Outcome = try #require(
                await loop.perform { eventLoop, finish in
                    var order: [Int] = []
                    var values: [String?] = []
                    var errors: [PostgresError?] = []
                    var stats = PostgresPoolStats()
                    for index in 0..<count {
                        pool.value.query("echo", ["value \(index)"]) { result in
                            order.append(index)
                            values.append(try? result.get().first?[0])
                            errors.append(result.failure)
                            if order.count == count { finish((order, values, errors, stats, pool.value.stats)) }
                        }
                    }
                    // Issued in one go: once dispatched, a full pipeline (the default depth, 16)
                    // and the rest queued.
                    afterDispatch(on: eventLoop) { stats = pool.value.stats }
                })
            #expect(outcome.stats.busy == 1 && outcome.stats.inFlight == 16 && outcome.stats.queueDepth == count - 16)
            #expect(outcome.order == Array(0..<count))
            #expect(outcome.values == (0..<count).map { "value \($0)" })
            #expect(outcome.errors.allSatisfy { $0 == nil })
            // The last completion runs after its connection went idle again.
            #expect(outcome.after.inFlight == 0 && outcome.after.queueDepth == 0 && outcome.after.idle == 1)
            #expect(outcome.after.queries == count && outcome.after.errors == 0)
            await loop.close(pool)
        }
    }

    @Test("queries spread over the connections, the least loaded first")
    func leastLoaded() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 2 })
            let stats: PostgresPoolStats = try #require(
                await loop.perform { eventLoop, finish in
                    var remaining = 6
                    var stats = PostgresPoolStats()
                    for _ in 0..<6 {
                        pool.value.query("echo", ["x"]) { _ in
                            remaining -= 1
                            if remaining == 0 { finish(stats) }
                        }
                    }
                    afterDispatch(on: eventLoop) { stats = pool.value.stats }
                })
            #expect(stats.busy == 2 && stats.idle == 0 && stats.inFlight == 6 && stats.queueDepth == 0)
            await loop.close(pool)
        }
    }

    @Test("a failing query in the middle of a pipeline fails only itself")
    func errorInTheMiddle() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 1 })
            let user: [String?] = ["erin", "x", "", "", ""]
            _ = try #require(await loop.query(pool, "insert_user", user)).get()
            typealias Outcome = (values: [String?], errors: [PostgresError?], inFlight: Int)
            let outcome: Outcome = try #require(
                await loop.perform { eventLoop, finish in
                    var values: [String?] = []
                    var errors: [PostgresError?] = []
                    var inFlight = 0
                    let record: (Result<PostgresRows, PostgresError>) -> Void = { result in
                        values.append(try? result.get().first?[0])
                        errors.append(result.failure)
                        if values.count == 5 { finish((values, errors, inFlight)) }
                    }
                    pool.value.query("echo", ["before"], completion: record)
                    pool.value.query("sleep", ["0.05"], completion: record)
                    pool.value.query("insert_user", user, completion: record)  // 23505
                    pool.value.query("echo", ["after"], completion: record)
                    pool.value.query("repeat", ["3"], completion: record)
                    afterDispatch(on: eventLoop) { inFlight = pool.value.stats.inFlight }
                })
            #expect(outcome.inFlight == 5)
            #expect(outcome.values == ["before", "", nil, "after", "xxx"])
            #expect(outcome.errors[0] == nil && outcome.errors[1] == nil && outcome.errors[3] == nil && outcome.errors[4] == nil)
            #expect(outcome.errors[2].map { if case .server("23505", _) = $0 { true } else { false } } == true)
            let stats = try #require(await loop.stats(pool))
            #expect(stats.errors == 1 && stats.connectionFailures == 0 && stats.idle == 1)
            await loop.close(pool)
        }
    }

    @Test("a write is not undone by a failure later in the same dispatch: writes get their own sync point")
    func writeSurvivesALaterFailure() async throws {
        try await TestPostgres.withFreshDatabase { url in
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(PoolFixture.configuration(url) { $0.connections = 1 })
            let taken: [String?] = ["frank", "x", "", "", ""]
            _ = try #require(await loop.query(pool, "insert_user", taken)).get()
            let outcome: [PostgresError?] = try #require(
                await loop.perform { _, finish in
                    var errors: [PostgresError?] = []
                    let record: (Result<PostgresRows, PostgresError>) -> Void = { result in
                        errors.append(result.failure)
                        if errors.count == 3 { finish(errors) }
                    }
                    // One loop iteration, so one dispatch: without a sync of its own, the
                    // first insert would share an implicit transaction with the failing one.
                    pool.value.query("insert_user", ["grace", "x", "", "", ""], completion: record)
                    pool.value.query("insert_user", taken, completion: record)  // 23505
                    pool.value.query("echo", ["after"], completion: record)
                })
            #expect(outcome[0] == nil && outcome[1] != nil && outcome[2] == nil)
            let rows = try #require(await loop.query(pool, "user_by_name", ["grace"])).get()
            #expect(rows.count == 1, "the insert reported done must be there")
            await loop.close(pool)
        }
    }

    @Test("a timeout with several queries in flight fails them all with .timeout, and the pool recovers")
    func timeoutFailsThePipeline() async throws {
        try await QueryTimeoutFixture.withPool { loop, pool, logs in
            let outcome = try await loop.sleepThenEcho(pool, ["a", "b", "c"])
            #expect(outcome.inFlight == 4)
            #expect(outcome.errors == [.timeout, .timeout, .timeout, .timeout])
            #expect(outcome.slowest < 1.5, "the last timeout came after \(outcome.slowest) s")
            #expect(logs.all.contains { $0.contains("timed out") && $0.contains("4 in flight") && $0.contains("resetting") })
            #expect(try await loop.echoOnceReady(pool, ["back", "again"]) == ["back", "again"])
            let stats = try #require(await loop.stats(pool))
            #expect(stats.inFlight == 0 && stats.connectionFailures == 0)
        }
    }
}

@Suite("Pool pipelining during an outage", .serialized, .enabled(if: TestPostgres.canStartClusters))
struct PoolPipelineOutageTests {
    @Test("Postgres killed with a full pipeline: every query in flight fails with .connectionLost; service returns after restart")
    func killedWithFullPipeline() async throws {
        let cluster = try await Cluster.createOffThread()
        defer { cluster.destroy() }
        try cluster.migrate()
        // A clean restart writes the migration out: test clusters do not wait for WAL at
        // commit, so a SIGKILL right after migrating could otherwise lose the tables.
        try await cluster.restart()
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let pool = try await loop.openPool(
            PoolFixture.configuration(cluster.url) {
                $0.connections = 1
                $0.pipelineDepth = 8
                $0.queryTimeout = 30
            })
        let results = Promise<[PostgresError?]>()
        let issued: PostgresPoolStats = try #require(
            await loop.perform { eventLoop, finish in
                var errors: [PostgresError?] = []
                // 8 in flight (the first sleeping, the rest behind it) and 2 waiting.
                for _ in 0..<10 {
                    pool.value.query("sleep", ["30"]) { result in
                        errors.append(result.failure)
                        if errors.count == 10 { results.fulfill(errors) }
                    }
                }
                afterDispatch(on: eventLoop) { finish(pool.value.stats) }
            })
        #expect(issued.inFlight == 8 && issued.queueDepth == 2)
        try await Task.sleep(for: .milliseconds(100))  // let the queries reach the server
        let killed = monotonic()
        try await cluster.kill()
        let errors = await results.value
        #expect(monotonic() - killed < 3)
        // Never retried: the in-flight ones may have run. The waiting ones had no connection
        // left that could serve them soon.
        #expect(Array(errors.prefix(8)) == Array(repeating: .connectionLost, count: 8))
        #expect(Array(errors.suffix(2)) == [.unavailable, .unavailable])

        try await cluster.start()  // with crash recovery
        let restarted = monotonic()
        let served = try await loop.firstSuccess(pool)
        #expect(served - restarted < 2, "service resumed \(served - restarted) s after Postgres did")
        // And pipelines again.
        let values: [String?] = try #require(
            await loop.perform { _, finish in
                var values: [String?] = []
                for value in ["one", "two", "three"] {
                    pool.value.query("echo", [value]) { result in
                        values.append(try? result.get().first?[0])
                        if values.count == 3 { finish(values) }
                    }
                }
            })
        #expect(values == ["one", "two", "three"])
        let stats = try #require(await loop.stats(pool))
        #expect(stats.inFlight == 0 && stats.queueDepth == 0)
        await loop.close(pool)
    }
}
