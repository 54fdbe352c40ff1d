// What /metrics reports, counted per loop and summed at scrape time.
import EventLoop
import Postgres

/// A route as metrics label it: its path, or "unmatched" for every other path (so a scanner
/// probing random paths cannot grow the label set).
enum RouteLabel {
    static let count = Route.allCases.count + 1
    static let unmatched = Route.allCases.count

    /// The labels, by index, for the configured paths.
    static func all(_ paths: RoutePaths) -> [String] {
        Route.allCases.map { $0.path(paths) } + ["unmatched"]
    }
}

extension Route {
    var index: Int { rawValue }
}

/// Counters of one loop, or of all loops added together. Plain integers: each loop owns its
/// copy and the scrape sums copies, so counting costs no atomic or lock.
struct MetricsCounts: Sendable {
    /// Upper bounds, in seconds, of the latency histogram's buckets (the last is +Inf).
    static let latencyBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let statuses = 100..<600

    /// By route and status: `requests[route * statuses.count + status - 100]`.
    var requests = [Int](repeating: 0, count: RouteLabel.count * statuses.count)
    /// By route and bucket (not cumulative; the last bucket is +Inf).
    var latencyBuckets = [Int](repeating: 0, count: RouteLabel.count * (latencyBounds.count + 1))
    var latencySums = [Double](repeating: 0, count: RouteLabel.count)
    var loginsSucceeded = 0
    var loginsFailed = 0
    /// Logins answered 429 by the brute-force protection, before any hash.
    var loginsThrottled = 0
    var refreshesSucceeded = 0
    var refreshesRefused = 0
    var revokedByBlacklist = 0
    var revokedByRotation = 0
    /// Rotated refresh tokens presented again (each revoked its family).
    var refreshReuses = 0
    /// Requests answered 503 because the worker queue was full.
    var workerRejections = 0
    /// Taken when the loop is asked, not counted.
    var requestsInFlight = 0
    /// Times accepting paused because accept() ran out of descriptors or memory (the server's count).
    var acceptPauses = 0
    /// Client connections open (taken when the loop is asked).
    var openConnections = 0
    /// Connections closed at a deadline (the server's counts).
    var deadlineCloses = DeadlineCloses()
    /// Idle keep-alive connections closed to make room at the cap (the server's count).
    var evictions = 0
    var database = PostgresPoolStats()
    var cache = CacheCounts()

    mutating func add(_ other: MetricsCounts) {
        for index in requests.indices { requests[index] += other.requests[index] }
        for index in latencyBuckets.indices { latencyBuckets[index] += other.latencyBuckets[index] }
        for index in latencySums.indices { latencySums[index] += other.latencySums[index] }
        loginsSucceeded += other.loginsSucceeded
        loginsFailed += other.loginsFailed
        loginsThrottled += other.loginsThrottled
        refreshesSucceeded += other.refreshesSucceeded
        refreshesRefused += other.refreshesRefused
        revokedByBlacklist += other.revokedByBlacklist
        revokedByRotation += other.revokedByRotation
        refreshReuses += other.refreshReuses
        workerRejections += other.workerRejections
        requestsInFlight += other.requestsInFlight
        acceptPauses += other.acceptPauses
        openConnections += other.openConnections
        deadlineCloses.header += other.deadlineCloses.header
        deadlineCloses.body += other.deadlineCloses.body
        deadlineCloses.idle += other.deadlineCloses.idle
        deadlineCloses.write += other.deadlineCloses.write
        evictions += other.evictions
        database.add(other.database)
        cache.add(other.cache)
    }

    /// Counts one answer. Logins, refreshes and revocations are read off the route and status:
    /// every handler's outcome is its status.
    mutating func record(_ answer: HTTPAnswer, route matched: Route?, revokesOnRotation: Bool) {
        let route = matched?.index ?? RouteLabel.unmatched
        let status = Self.statuses.contains(answer.status) ? answer.status : 599
        requests[route * Self.statuses.count + status - Self.statuses.lowerBound] += 1
        var bucket = 0
        while bucket < Self.latencyBounds.count && answer.duration > Self.latencyBounds[bucket] { bucket += 1 }
        latencyBuckets[route * (Self.latencyBounds.count + 1) + bucket] += 1
        latencySums[route] += answer.duration
        switch (route, answer.status) {
        case (Route.obtainPair.index, 200), (Route.obtainSliding.index, 200): loginsSucceeded += 1
        case (Route.obtainPair.index, 401), (Route.obtainSliding.index, 401): loginsFailed += 1
        case (Route.obtainPair.index, 429), (Route.obtainSliding.index, 429): loginsThrottled += 1
        case (Route.refresh.index, 200):
            refreshesSucceeded += 1
            if revokesOnRotation { revokedByRotation += 1 }
        case (Route.refresh.index, 401): refreshesRefused += 1
        case (Route.blacklist.index, 200): revokedByBlacklist += 1
        default: break
        }
    }
}
