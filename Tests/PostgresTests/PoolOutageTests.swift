// The pool while Postgres goes away and comes back: fast failures instead of hangs, no
// retried statements, service back within 2 s, and a loop that never stalls. Each test runs
// its own server, since it stops or kills it.

import EventLoop
import LoopTestSupport
import Postgres
import Testing

@Suite("Pool during database outages", .serialized, .enabled(if: TestPostgres.canStartClusters))
struct PoolOutageTests {
    /// Issues `count` queries `interval` apart while the server is down; returns their errors,
    /// the slowest answer, and whether the pool claimed readiness at any point.
    private func probeWhileDown(_ loop: LoopThread, _ pool: LoopBound<PostgresPool>, count: Int = 8, interval: Double = 0.1)
        async throws -> (errors: [PostgresError?], slowest: Double, everReady: Bool)
    {
        try #require(
            await loop.perform { loop, finish in
                var errors: [PostgresError?] = []
                var slowest = 0.0
                var everReady = false
                func probe() {
                    everReady = everReady || pool.value.isReady
                    let start = monotonic()
                    pool.value.query("echo", ["probe"]) { result in
                        errors.append(result.failure)
                        slowest = max(slowest, monotonic() - start)
                        if errors.count == count { return finish((errors, slowest, everReady)) }
                        after(interval, on: loop) { probe() }
                    }
                }
                probe()
            })
    }

    @Test("stopping Postgres fails queries fast; after it restarts the pool serves again within 2 s")
    func stopAndStart() async throws {
        let cluster = try await Cluster.createOffThread()
        defer { cluster.destroy() }
        try cluster.migrate()
        let logs = LogSink()
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let pool = try await loop.openPool(PoolFixture.configuration(cluster.url, logs: logs))
        let ticker: LoopBound<Ticker> = try #require(await loop.perform { loop, finish in finish(LoopBound(Ticker(loop: loop), on: loop)) })
        let secret = "pbkdf2_sha256$secret-parameter-7f3a"
        #expect(try #require(await loop.query(pool, "echo", [secret])).get().first?[0] == secret)

        let inFlight = Promise<Result<PostgresRows, PostgresError>>()
        _ = await loop.perform { _, finish in
            pool.value.query("sleep", ["30"]) { inFlight.fulfill($0) }
            finish(true)
        }
        let stopping = monotonic()
        try await cluster.stop()
        // Never retried, never left hanging: the fast shutdown terminates the backend.
        #expect(await inFlight.value.failure == .connectionLost)
        #expect(monotonic() - stopping < 3)

        let down = try await probeWhileDown(loop, pool)
        #expect(down.errors.allSatisfy { $0 == .unavailable })
        #expect(down.slowest < 0.2, "a query took \(down.slowest) s to fail while the server was down")
        #expect(!down.everReady)

        try await cluster.start()
        let started = monotonic()
        let served = try await loop.firstSuccess(pool)
        #expect(served - started < 2, "service resumed \(served - started) s after Postgres did")

        let report: Ticker.Report = try #require(await loop.perform { _, finish in finish(ticker.value.stop()) })
        #expect(report.longestGap < 0.25, "the loop stalled for \(report.longestGap) s")
        let lines = logs.all
        #expect(lines.contains { $0.contains("lost while") })
        #expect(lines.contains { $0.contains("is back") })
        #expect(!lines.contains { $0.contains("secret-parameter") })
        await loop.close(pool)
    }

    @Test("a pool started while Postgres is down fails fast, connects when it appears, and survives SIGKILL")
    func downAtStartupThenKilled() async throws {
        let cluster = try await Cluster.createOffThread()
        defer { cluster.destroy() }
        try cluster.migrate()
        try await cluster.stop()
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let pool = try await loop.openPool(PoolFixture.configuration(cluster.url), waitForConnections: false)
        let ticker: LoopBound<Ticker> = try #require(await loop.perform { loop, finish in finish(LoopBound(Ticker(loop: loop), on: loop)) })

        // The first query waits for the first attempt, which is refused at once.
        let first = try #require(await loop.query(pool, "echo", ["first"]))
        #expect(first.failure == .unavailable)
        let down = try await probeWhileDown(loop, pool, count: 5)
        #expect(down.errors.allSatisfy { $0 == .unavailable })
        #expect(down.slowest < 0.2)

        try await cluster.start()
        let started = monotonic()
        var served = try await loop.firstSuccess(pool)
        #expect(served - started < 2, "first connection \(served - started) s after Postgres started")

        let inFlight = Promise<Result<PostgresRows, PostgresError>>()
        _ = await loop.perform { _, finish in
            pool.value.query("sleep", ["30"]) { inFlight.fulfill($0) }
            finish(true)
        }
        try await Task.sleep(for: .milliseconds(100))  // let the query reach the server
        try await cluster.kill()
        #expect(await inFlight.value.failure == .connectionLost)
        let killed = try await probeWhileDown(loop, pool, count: 5)
        #expect(killed.errors.allSatisfy { $0 == .unavailable })
        #expect(killed.slowest < 0.2)

        try await cluster.start()  // with crash recovery
        let restarted = monotonic()
        served = try await loop.firstSuccess(pool)
        #expect(served - restarted < 2, "service resumed \(served - restarted) s after Postgres did")

        let report: Ticker.Report = try #require(await loop.perform { _, finish in finish(ticker.value.stop()) })
        #expect(report.longestGap < 0.25, "the loop stalled for \(report.longestGap) s")
        await loop.close(pool)
    }

    @Test("restart under load: every query is answered, none hangs, and service resumes within 2 s")
    func restartUnderLoad() async throws {
        let cluster = try await Cluster.createOffThread()
        defer { cluster.destroy() }
        try cluster.migrate()
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let pool = try await loop.openPool(PoolFixture.configuration(cluster.url) { $0.queryTimeout = 2 })
        let load: LoopBound<LoadGenerator> = try #require(
            await loop.perform { loop, finish in finish(LoopBound(LoadGenerator(loop: loop, pool: pool.value), on: loop)) })
        try await Task.sleep(for: .milliseconds(300))
        try await cluster.restart()
        let restarted = monotonic()
        let resumed: Double = try #require(
            await loop.perform { loop, finish in
                waitUntil(loop: loop, timeout: 5, { load.value.lastSuccess > restarted }) { _ in
                    load.value.stop()
                    finish(load.value.lastSuccess)
                }
            })
        #expect(resumed - restarted < 2, "service resumed \(resumed - restarted) s after the restart")
        // Everything issued gets an answer within queryTimeout.
        let tally: LoadGenerator.Tally = try #require(
            await loop.perform(timeout: 5) { loop, finish in
                waitUntil(loop: loop, timeout: 3, { load.value.completed == load.value.issued }) { _ in
                    finish(load.value.tally)
                }
            })
        #expect(tally.completed == tally.issued)
        #expect(tally.successes > 0)
        #expect(Set(tally.failures.keys).isSubset(of: ["unavailable", "connectionLost", "timeout"]), "\(tally.failures)")
        await loop.close(pool)
    }
}

/// Issues one query every 5 ms and tallies the answers. Loop-confined.
final class LoadGenerator {
    struct Tally: Sendable {
        var issued = 0
        var completed = 0
        var successes = 0
        var failures: [String: Int] = [:]
    }

    private let loop: EventLoop
    private let pool: PostgresPool
    private var timer: LoopTimer?
    private(set) var tally = Tally()
    private(set) var lastSuccess = 0.0
    var issued: Int { tally.issued }
    var completed: Int { tally.completed }

    init(loop: EventLoop, pool: PostgresPool) {
        self.loop = loop
        self.pool = pool
        tick()
    }

    private func tick() {
        tally.issued += 1
        pool.query("echo", ["load"]) { [unowned self] result in
            tally.completed += 1
            switch result {
            case .success:
                tally.successes += 1
                lastSuccess = monotonic()
            case .failure(let error):
                let kind =
                    switch error {
                    case .unavailable: "unavailable"
                    case .connectionLost: "connectionLost"
                    case .timeout: "timeout"
                    case .server(let sqlState, _): "server \(sqlState)"
                    case .unexpectedResult: "unexpectedResult"
                    }
                tally.failures[kind, default: 0] += 1
            }
        }
        timer = LoopTimer(loop: loop, after: 0.005) { [unowned self] in tick() }
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }
}
