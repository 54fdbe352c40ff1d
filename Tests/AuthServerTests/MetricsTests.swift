// /metrics: what an answer counts towards, summing loops, and the exposition text.
@testable import AuthServer
import EventLoop
import Testing

@Suite("Metrics")
struct MetricsTests {
    func answer(_ path: String, _ status: Int, seconds: Double = 0.003) -> HTTPAnswer {
        HTTPAnswer(method: .POST, path: path, status: status, duration: seconds, requestID: "t")
    }

    /// The route the default paths give `path` (the service matches before it counts).
    static func route(_ path: String) -> Route? {
        if case .route(let route) = try! Router(paths: RoutePaths()).match(path) { return route }
        return nil
    }

    @Test("logins, refreshes and revocations are read off route and status; unknown paths share one label")
    func record() {
        var counts = MetricsCounts()
        for (path, status) in [
            ("/api/token/", 200), ("/api/token/", 401), ("/api/token/", 400), ("/api/token/refresh/", 200),
            ("/api/token/refresh/", 401), ("/api/token/blacklist/", 200), ("/x", 404), ("/api/token", 301), ("/y", 999),
        ] {
            counts.record(answer(path, status), route: Self.route(path), revokesOnRotation: true)
        }
        #expect(counts.loginsSucceeded == 1 && counts.loginsFailed == 1)
        #expect(counts.refreshesSucceeded == 1 && counts.refreshesRefused == 1)
        #expect(counts.revokedByBlacklist == 1 && counts.revokedByRotation == 1)
        let unmatched = RouteLabel.unmatched * MetricsCounts.statuses.count
        #expect(counts.requests[unmatched + 404 - 100] == 1 && counts.requests[unmatched + 301 - 100] == 1)
        #expect(counts.requests[unmatched + 599 - 100] == 1, "statuses outside 100-599 are counted as 599")
    }

    @Test("loops add up, gauges included")
    func add() {
        var one = MetricsCounts()
        one.record(answer("/healthz", 200), route: Self.route("/healthz"), revokesOnRotation: false)
        one.database.idle = 2
        var total = MetricsCounts()
        total.add(one)
        total.add(one)
        #expect(total.requests.reduce(0, +) == 2 && total.database.idle == 4)
        #expect(total.latencySums[Route.health.index] == 0.006)
    }

    @Test("the histogram is cumulative, ends at +Inf, and leaves out routes never requested")
    func exposition() {
        var counts = MetricsCounts()
        counts.record(answer("/healthz", 200, seconds: 0.0002), route: Self.route("/healthz"), revokesOnRotation: false)
        counts.record(answer("/healthz", 200, seconds: 0.2), route: Self.route("/healthz"), revokesOnRotation: false)
        counts.record(answer("/healthz", 503, seconds: 20), route: Self.route("/healthz"), revokesOnRotation: false)
        let text = MetricsExposition.render(counts, routes: RouteLabel.all(RoutePaths()), workerQueueDepth: 3, workerThreads: 2, droppedLogLines: 0)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"authd_http_requests_total{route="/healthz",status="200"} 2"#))
        #expect(lines.contains(#"authd_http_requests_total{route="/healthz",status="503"} 1"#))
        #expect(lines.contains(#"authd_http_request_duration_seconds_bucket{route="/healthz",le="0.0005"} 1"#))
        #expect(lines.contains(#"authd_http_request_duration_seconds_bucket{route="/healthz",le="0.25"} 2"#))
        #expect(lines.contains(#"authd_http_request_duration_seconds_bucket{route="/healthz",le="10"} 2"#))
        #expect(lines.contains(#"authd_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#))
        #expect(lines.contains(#"authd_http_request_duration_seconds_count{route="/healthz"} 3"#))
        #expect(!text.contains(#"route="/api/token/""#))
        #expect(lines.contains("authd_worker_queue_depth 3"))
        #expect(lines.contains("# TYPE authd_http_request_duration_seconds histogram"))
    }

    @Test("log values with spaces, quotes, = or control characters are quoted and escaped")
    func logQuoting() {
        #expect(Log.logfmtQuoted("/api/token/") == "/api/token/")
        #expect(Log.logfmtQuoted("a b") == #""a b""#)
        #expect(Log.logfmtQuoted(#"a"b=c"#) == #""a\"b=c""#)
        #expect(Log.logfmtQuoted("\u{1b}[31m") == #""\u001b[31m""#)
        #expect(Log.logfmtQuoted("") == #""""#)
    }
}
