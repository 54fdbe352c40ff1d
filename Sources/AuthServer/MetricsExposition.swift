// The Prometheus text exposition format (version 0.0.4) of authd's counters.
import Glibc
import Postgres

struct MetricsExposition {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    /// Everything /metrics reports: the loops' sum, the worker pool, the log and the process.
    static func render(
        _ counts: MetricsCounts, routes: [String], workerQueueDepth: Int, workerThreads: Int, droppedLogLines: Int,
        cache: CacheFigures? = nil
    ) -> String {
        var out = MetricsExposition()
        let statuses = MetricsCounts.statuses

        out.family("authd_http_requests_total", "counter", "HTTP requests answered, by route and status.")
        for (route, label) in routes.enumerated() {
            for status in statuses {
                let count = counts.requests[route * statuses.count + status - statuses.lowerBound]
                if count > 0 { out.sample("authd_http_requests_total", [("route", label), ("status", String(status))], count) }
            }
        }

        out.family("authd_http_request_duration_seconds", "histogram", "Time from a request's arrival to its answer.")
        let bounds = MetricsCounts.latencyBounds
        let width = bounds.count + 1
        for (route, label) in routes.enumerated() where counts.latencyBuckets[route * width..<(route + 1) * width].contains(where: { $0 > 0 }) {
            var cumulative = 0
            for bucket in 0...bounds.count {
                cumulative += counts.latencyBuckets[route * width + bucket]
                let le = bucket < bounds.count ? number(bounds[bucket]) : "+Inf"
                out.sample("authd_http_request_duration_seconds_bucket", [("route", label), ("le", le)], cumulative)
            }
            out.sample("authd_http_request_duration_seconds_sum", [("route", label)], number(counts.latencySums[route]))
            out.sample("authd_http_request_duration_seconds_count", [("route", label)], cumulative)
        }

        out.family("authd_http_requests_in_flight", "gauge", "Requests received and not yet answered.")
        out.sample("authd_http_requests_in_flight", [], counts.requestsInFlight)
        out.family("authd_http_accept_pauses_total", "counter", "Times accepting paused because accept() ran out of descriptors or memory.")
        out.sample("authd_http_accept_pauses_total", [], counts.acceptPauses)
        out.family("authd_http_connections", "gauge", "Client connections open.")
        out.sample("authd_http_connections", [], counts.openConnections)
        out.family("authd_http_deadline_closes_total", "counter", "Connections closed at a deadline, by what they were doing.")
        for (phase, count) in [
            ("header", counts.deadlineCloses.header), ("body", counts.deadlineCloses.body), ("idle", counts.deadlineCloses.idle),
            ("write", counts.deadlineCloses.write),
        ] {
            out.sample("authd_http_deadline_closes_total", [("phase", phase)], count)
        }
        out.family("authd_http_idle_evictions_total", "counter", "Idle keep-alive connections closed to make room at the connection cap.")
        out.sample("authd_http_idle_evictions_total", [], counts.evictions)

        out.family("authd_logins_total", "counter", "Logins at /api/token/: succeeded, failed for bad credentials, or throttled (429, no hash computed).")
        out.sample("authd_logins_total", [("result", "succeeded")], counts.loginsSucceeded)
        out.sample("authd_logins_total", [("result", "failed")], counts.loginsFailed)
        out.sample("authd_logins_total", [("result", "throttled")], counts.loginsThrottled)

        out.family("authd_token_refreshes_total", "counter", "Refreshes at /api/token/refresh/: succeeded, or refused (401).")
        out.sample("authd_token_refreshes_total", [("result", "succeeded")], counts.refreshesSucceeded)
        out.sample("authd_token_refreshes_total", [("result", "refused")], counts.refreshesRefused)

        out.family("authd_token_revocations_total", "counter", "Refresh tokens revoked: by /api/token/blacklist/, or by rotation.")
        out.sample("authd_token_revocations_total", [("reason", "blacklist")], counts.revokedByBlacklist)
        out.sample("authd_token_revocations_total", [("reason", "rotation")], counts.revokedByRotation)
        out.family("authd_token_reuse_total", "counter", "Rotated refresh tokens presented again: each revoked its whole family.")
        out.sample("authd_token_reuse_total", [], counts.refreshReuses)

        let database = counts.database
        out.family("authd_postgres_connections", "gauge", "Database connections by state.")
        for (state, count) in [
            ("idle", database.idle), ("busy", database.busy), ("connecting", database.connecting),
            ("preparing", database.preparing), ("backing_off", database.backingOff),
        ] {
            out.sample("authd_postgres_connections", [("state", state)], count)
        }
        out.family("authd_postgres_queries_in_flight", "gauge", "Queries sent to PostgreSQL and not yet answered.")
        out.sample("authd_postgres_queries_in_flight", [], database.inFlight)
        out.family("authd_postgres_queries_queued", "gauge", "Queries waiting for a connection.")
        out.sample("authd_postgres_queries_queued", [], database.queueDepth)
        out.family("authd_postgres_queries_total", "counter", "Queries asked of the database pool.")
        out.sample("authd_postgres_queries_total", [], database.queries)
        out.family("authd_postgres_query_errors_total", "counter", "Queries that failed, by kind.")
        for kind in PostgresError.Kind.allCases {
            out.sample("authd_postgres_query_errors_total", [("kind", kind.rawValue)], database.errorsByKind[kind, default: 0])
        }
        out.family("authd_postgres_connection_failures_total", "counter", "Connections lost and connection attempts failed.")
        out.sample("authd_postgres_connection_failures_total", [], database.connectionFailures)

        if let cache {
            out.family("authd_cache_lookups_total", "counter", "Reads of users and token states: answered by the cache (hit) or by PostgreSQL (miss).")
            out.sample("authd_cache_lookups_total", [("result", "hit")], counts.cache.hits)
            out.sample("authd_cache_lookups_total", [("result", "miss")], counts.cache.misses)
            out.family("authd_cache_entries", "gauge", "Users and token states the cache holds.")
            out.sample("authd_cache_entries", [], cache.entries)
            out.family("authd_cache_bytes", "gauge", "Bytes the cache counts its entries for, against AUTHD_CACHE_BUDGET.")
            out.sample("authd_cache_bytes", [], cache.bytes)
            out.family("authd_cache_budget_bytes", "gauge", "AUTHD_CACHE_BUDGET.")
            out.sample("authd_cache_budget_bytes", [], cache.budget)
            out.family("authd_cache_trusted", "gauge", "1 while the listening connection is up and its lease current: the cache answers; 0: every read goes to PostgreSQL.")
            out.sample("authd_cache_trusted", [], cache.trusted ? 1 : 0)
            out.family("authd_cache_invalidations_total", "counter", "Entries dropped because PostgreSQL announced a change.")
            out.sample("authd_cache_invalidations_total", [], cache.invalidations)
            out.family("authd_cache_resyncs_total", "counter", "Times the listening connection was made (again) and the cache started over.")
            out.sample("authd_cache_resyncs_total", [], cache.resyncs)
        }

        out.family("authd_worker_queue_depth", "gauge", "Password hashes and signatures waiting for a worker thread.")
        out.sample("authd_worker_queue_depth", [], workerQueueDepth)
        out.family("authd_worker_threads", "gauge", "Worker threads.")
        out.sample("authd_worker_threads", [], workerThreads)
        out.family("authd_worker_rejections_total", "counter", "Requests answered 503 because the worker queue was full.")
        out.sample("authd_worker_rejections_total", [], counts.workerRejections)

        out.family("authd_log_lines_dropped_total", "counter", "Log lines dropped because standard error could not keep up.")
        out.sample("authd_log_lines_dropped_total", [], droppedLogLines)

        let process = ProcessFacts.current()
        out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        out.sample("process_resident_memory_bytes", [], process.residentBytes)
        out.family("process_open_fds", "gauge", "Open file descriptors.")
        out.sample("process_open_fds", [], process.openFileDescriptors)
        out.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.")
        out.sample("process_start_time_seconds", [], number(ProcessFacts.startTime))
        return out.text
    }

    private mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Int) {
        sample(name, labels, String(value))
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            // Label values are fixed strings (routes, states): nothing to escape.
            text += "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    /// A float as Prometheus reads it, without Swift's exponent forms for round numbers.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// Facts about this process from /proc (a memory read: it does not block).
struct ProcessFacts {
    var residentBytes = 0
    var openFileDescriptors = 0

    /// Wall-clock time of the first use, which `Server.run` makes at start-up.
    static let startTime: Double = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }()

    static func current() -> ProcessFacts {
        var facts = ProcessFacts()
        // statm: "size resident shared text lib data dt", in pages.
        let statm = read("/proc/self/statm").split(separator: " ")
        if statm.count > 1, let pages = Int(statm[1]) { facts.residentBytes = pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        if let directory = opendir("/proc/self/fd") {
            while let entry = readdir(directory) {
                if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { facts.openFileDescriptors += 1 }
            }
            closedir(directory)
            facts.openFileDescriptors -= 1  // the directory being read
        }
        return facts
    }

    private static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = Glibc.read(fd, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}
