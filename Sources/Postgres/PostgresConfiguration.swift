// Where the database is and how the pool behaves, parsed and DNS-resolved once at startup.

import Glibc
import CLibpq

/// Connection settings for `PostgresPool` and `PostgresSession`.
///
/// Built from a libpq connection string, URL (`postgresql://user:pass@db:5432/authd`) or
/// key/value form (`host=/run/postgresql dbname=authd user=authd`). Host *names* are resolved
/// here, once, because `PQconnectStart` would otherwise resolve them synchronously on the event
/// loop every time it reconnects. So create the configuration at startup, off any loop; a
/// changed DNS record is picked up on restart.
public struct PostgresConfiguration: Sendable {
    /// Connections each pool opens (one pool per event loop).
    public var connections: Int = 2
    /// Queries a pool lets wait beyond what its pipelines have room for; beyond that it answers
    /// `.unavailable`.
    public var queueLimit: Int = 64
    /// Queries each connection may have in flight at once in libpq's pipeline mode (sent, not
    /// yet answered). The queries of one loop iteration go out together as one batch with one
    /// sync point: one write, and one answer from the server. 1 means one query per round trip. A timeout or a lost connection fails
    /// every query in flight on that connection, so deeper pipelines lose more at once.
    public var pipelineDepth: Int = 16
    /// False: statements are never prepared; each query carries its SQL as an unnamed statement.
    /// What a pooler in transaction mode needs (PgBouncer 1.18 cannot carry a connection's
    /// prepared statements to the next server connection), at the cost of parsing every query.
    public var preparedStatements = true
    /// Seconds from `query` to its completion, queue wait included; then `.timeout`.
    public var queryTimeout: Double = 5
    /// Seconds allowed to connect and prepare the statements (libpq's `connect_timeout` is not
    /// applied by `PQconnectPoll`, so the pool enforces this itself).
    public var connectTimeout: Double = 5
    /// The first reconnect delay after a failure; it doubles per failure, with jitter.
    public var reconnectInitialDelay: Double = 0.05
    /// The longest reconnect delay, which bounds how long service stays down after Postgres is back.
    public var reconnectMaximumDelay: Double = 1
    /// Where disconnects and reconnects are reported. Never receives query parameters.
    public var logger: @Sendable (String) -> Void = PostgresConfiguration.standardErrorLogger
    /// Told of every failed query, with the statement's name (never its parameters), on the
    /// pool's loop, before the query's completion runs.
    public var queryFailed: @Sendable (_ statement: String, _ error: PostgresError) -> Void = { statement, error in
        PostgresConfiguration.standardErrorLogger("query \(statement) failed: \(error.kind.rawValue)")
    }

    /// The libpq keywords and values, host names already replaced by addresses.
    let keywords: [String]
    let values: [String]

    /// Parses `connectionString` and resolves its host names (blocking: call at startup).
    public init(_ connectionString: String) throws(PostgresSetupError) {
        var parameters = try Self.parse(connectionString)
        try Self.resolveHosts(&parameters)
        for (keyword, value) in [
            ("application_name", "authd"),
            // Skips a GSSAPI negotiation round trip on every connect; authd does not use GSS.
            ("gssencmode", "disable"),
            // Dead peers (a crashed host, a dropped NAT entry) are found in about a minute
            // instead of the kernel's two hours; no effect on unix sockets.
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"),
            ("keepalives_count", "3"),
        ] where !parameters.contains(where: { $0.0 == keyword }) {
            parameters.append((keyword, value))
        }
        // Rows are decoded as UTF-8 whatever the database's default client encoding is.
        parameters.removeAll { $0.0 == "client_encoding" }
        parameters.append(("client_encoding", "UTF8"))
        keywords = parameters.map(\.0)
        values = parameters.map(\.1)
    }

    /// Writes one line to standard error (unbuffered, safe from any thread).
    public static let standardErrorLogger: @Sendable (String) -> Void = { message in
        let line = "authd postgres: \(message)\n"
        line.withCString { _ = write(2, $0, strlen($0)) }
    }

    /// `user@host:port/dbname`, for log lines; never includes the password.
    public var target: String {
        func value(_ keyword: String) -> String? { keywords.firstIndex(of: keyword).map { values[$0] } }
        let host = value("host") ?? value("hostaddr") ?? "(default socket)"
        let port = value("port").map { ":\($0)" } ?? ""
        let user = value("user").map { "\($0)@" } ?? ""
        return "\(user)\(host)\(port)/\(value("dbname") ?? "")"
    }

    /// The parameters a pool connection uses: these plus a server-side statement timeout a
    /// little above `queryTimeout`, so a query the pool gave up on does not run on for hours.
    var poolParameters: (keywords: [String], values: [String]) {
        var keywords = keywords
        var values = values
        let milliseconds = Int((queryTimeout + 1) * 1000)
        let option = "-c statement_timeout=\(milliseconds)"
        if let index = keywords.firstIndex(of: "options") {
            values[index] += " " + option
        } else {
            keywords.append("options")
            values.append(option)
        }
        return (keywords, values)
    }

    /// The parameters a blocking session uses: libpq honours `connect_timeout` in blocking mode.
    var sessionParameters: (keywords: [String], values: [String]) {
        guard !keywords.contains("connect_timeout") else { return (keywords, values) }
        // libpq rounds anything below 2 seconds up to 2.
        let seconds = max(2, Int(connectTimeout.rounded(.up)))
        return (keywords + ["connect_timeout"], values + [String(seconds)])
    }

    /// The explicitly set options of a connection string, in libpq's order.
    private static func parse(_ connectionString: String) throws(PostgresSetupError) -> [(String, String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            throw PostgresSetupError("invalid database connection string: \(reason.trimmed)")
        }
        defer { PQconninfoFree(options) }
        var parameters: [(String, String)] = []
        var index = 0
        while let keyword = options[index].keyword {
            if let value = options[index].val {
                parameters.append((String(cString: keyword), String(cString: value)))
            }
            index += 1
        }
        return parameters
    }

    /// Replaces host names with `hostaddr` entries (keeping `host` for TLS verification and
    /// messages). A name with several addresses becomes several entries, which libpq tries in
    /// order just as it would have tried the name's addresses.
    private static func resolveHosts(_ parameters: inout [(String, String)]) throws(PostgresSetupError) {
        func value(_ keyword: String, environment: String) -> String? {
            if let found = parameters.first(where: { $0.0 == keyword }) { return found.1 }
            return getenv(environment).map { String(cString: $0) }
        }
        guard value("hostaddr", environment: "PGHOSTADDR")?.isEmpty ?? true,
            let hostList = value("host", environment: "PGHOST"), !hostList.isEmpty
        else { return }
        let hosts = hostList.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let portList = value("port", environment: "PGPORT")
        let ports = portList?.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        // libpq wants either one port for all hosts or one per host.
        let portPerHost = ports.map { $0.count > 1 && $0.count == hosts.count } ?? false

        var newHosts: [String] = []
        var newAddresses: [String] = []
        var newPorts: [String] = []
        var resolvedAny = false
        for (index, host) in hosts.enumerated() {
            let addresses: [String]
            if host.isEmpty || host.hasPrefix("/") || host.hasPrefix("@") || isNumericAddress(host) {
                addresses = [""]  // a socket path or an address: libpq does no lookup
            } else {
                addresses = try resolve(host)
                resolvedAny = true
            }
            for address in addresses {
                newHosts.append(host)
                newAddresses.append(address)
                if portPerHost, let ports { newPorts.append(ports[index]) }
            }
        }
        guard resolvedAny else { return }
        parameters.removeAll { ["host", "hostaddr"].contains($0.0) || ($0.0 == "port" && portPerHost) }
        parameters.append(("host", newHosts.joined(separator: ",")))
        parameters.append(("hostaddr", newAddresses.joined(separator: ",")))
        if portPerHost { parameters.append(("port", newPorts.joined(separator: ","))) }
    }

    private static func isNumericAddress(_ host: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// The host's TCP addresses in getaddrinfo's order, without duplicates.
    private static func resolve(_ host: String) throws(PostgresSetupError) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw PostgresSetupError("could not resolve database host \"\(host)\": \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let info = entry?.pointee {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let converted: UnsafePointer<CChar>? =
                switch info.ai_family {
                case AF_INET:
                    info.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                        withUnsafePointer(to: address.pointee.sin_addr) { inet_ntop(AF_INET, $0, &text, socklen_t(text.count)) }
                    }
                case AF_INET6:
                    info.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                        withUnsafePointer(to: address.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &text, socklen_t(text.count)) }
                    }
                default: nil
                }
            if converted != nil {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = info.ai_next
        }
        guard !addresses.isEmpty else { throw PostgresSetupError("database host \"\(host)\" has no TCP address") }
        return addresses
    }
}

extension String {
    /// libpq's messages end with a newline (sometimes two lines); log lines should not.
    var trimmed: String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
