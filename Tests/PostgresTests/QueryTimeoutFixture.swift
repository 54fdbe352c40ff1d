// What the query-timeout tests share: a pool of one connection whose queries time out after
// 0.3 s, a 10 s sleep with other queries stuck behind it, and the pool serving again afterwards.

import EventLoop
import LoopTestSupport
import Postgres
import Testing

enum QueryTimeoutFixture {
    /// Runs `body` with a loop and a pool of one connection (queryTimeout 0.3 s) on a fresh
    /// database, and the pool's log; the pool is closed after `body` returns.
    static func withPool(_ body: (LoopThread, LoopBound<PostgresPool>, LogSink) async throws -> Void) async throws {
        try await TestPostgres.withFreshDatabase { url in
            let logs = LogSink()
            let loop = await LoopThread.start()
            defer { loop.stop() }
            let pool = try await loop.openPool(
                PoolFixture.configuration(url, logs: logs) {
                    $0.connections = 1
                    $0.queryTimeout = 0.3
                })
            try await body(loop, pool, logs)
            await loop.close(pool)
        }
    }
}

extension LoopThread {
    /// In one loop iteration, a 10 s sleep and then an echo of each of `values`: every query's
    /// error in order, the seconds until the slowest answer, and how many were in flight once
    /// the iteration's queries were dispatched.
    func sleepThenEcho(_ pool: LoopBound<PostgresPool>, _ values: [String]) async throws
        -> (errors: [PostgresError?], slowest: Double, inFlight: Int)
    {
        try #require(
            await perform { eventLoop, finish in
                let start = monotonic()
                var errors: [PostgresError?] = []
                var slowest = 0.0
                var inFlight = 0
                let record: (Result<PostgresRows, PostgresError>) -> Void = { result in
                    errors.append(result.failure)
                    slowest = max(slowest, monotonic() - start)
                    if errors.count == values.count + 1 { finish((errors, slowest, inFlight)) }
                }
                pool.value.query("sleep", ["10"], completion: record)
                for value in values { pool.value.query("echo", [value], completion: record) }
                afterDispatch(on: eventLoop) { inFlight = pool.value.stats.inFlight }
            })
    }

    /// Once the pool is ready again after a reset (within 3 s), an echo of each of `values`:
    /// the values that came back, in order.
    func echoOnceReady(_ pool: LoopBound<PostgresPool>, _ values: [String]) async throws -> [String?] {
        try #require(
            await perform(timeout: 5) { loop, finish in
                waitUntil(loop: loop, timeout: 3, { pool.value.isReady }) { _ in
                    var echoed: [String?] = []
                    for value in values {
                        pool.value.query("echo", [value]) { result in
                            echoed.append(try? result.get().first?[0])
                            if echoed.count == values.count { finish(echoed) }
                        }
                    }
                }
            })
    }
}
