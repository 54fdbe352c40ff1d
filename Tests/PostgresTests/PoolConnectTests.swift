// Connection attempts that never finish or never succeed: the pool gives up on its own clock
// and keeps answering at once.

import EventLoop
import Foundation
import LoopTestSupport
import Postgres
import Testing

@Suite("Pool connection attempts")
struct PoolConnectTests {
    @Test("a server that accepts but never answers is abandoned after connectTimeout")
    func connectTimeout() async throws {
        // A listening socket nobody accepts from: the kernel completes the TCP handshake, then
        // libpq's startup packet goes unanswered, and PQconnectPoll alone would wait forever.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(listener, $0, length)
                _ = getsockname(listener, $0, &length)
            }
        }
        #expect(listen(listener, 16) == 0)
        let port = UInt16(bigEndian: address.sin_port)

        let logs = LogSink()
        let configuration = try PoolFixture.configuration("host=127.0.0.1 port=\(port) user=x sslmode=disable", logs: logs) {
            $0.connectTimeout = 0.3
            $0.connections = 1
        }
        let loop = await LoopThread.start()
        defer { loop.stop() }
        let outcome: (PostgresError?, Double, PostgresPoolStats) = try #require(
            await loop.perform { loop, finish in
                let start = monotonic()
                let pool = PostgresPool(loop: loop, configuration: configuration, statements: [])
                let ticker = Ticker(loop: loop)
                pool.query("anything", []) { result in
                    let elapsed = monotonic() - start
                    _ = ticker.stop()
                    let stats = pool.stats
                    pool.close()
                    finish((result.failure, elapsed, stats))
                }
            })
        #expect(outcome.0 == .unavailable)
        #expect(outcome.1 > 0.25 && outcome.1 < 1.5, "gave up after \(outcome.1) s")
        #expect(outcome.2.connectionFailures == 1 && outcome.2.backingOff == 1)
        #expect(logs.all.contains { $0.contains("timed out after 0.3 s") })
    }
}
