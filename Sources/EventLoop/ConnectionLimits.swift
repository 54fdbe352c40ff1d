// How long a client connection may take over each part of a request, and how many there may be.

/// Deadlines and budgets for client connections, measured from the event that starts each phase,
/// never restarted by a byte (evhttp's own timeout is, so a client sending a byte a second held a
/// connection forever). Defaults follow nginx and Go.
public struct ConnectionLimits: Sendable {
    /// Open client connections per server; at the cap the server stops accepting and the
    /// kernel's backlog holds new clients.
    public var maxConnections: Int
    /// Seconds for a whole request head, from a new connection's accept or, on a kept-alive
    /// connection, from the request's first byte (Go's ReadHeaderTimeout; nginx's
    /// client_header_timeout is 60 s, but authd's heads are a few hundred bytes).
    public var headerTimeout: Double
    /// Seconds for a body, from the end of its head, plus its declared size at `bodyMinRate`.
    public var bodyTimeout: Double
    /// Bytes per second a body must at least arrive at (Apache's mod_reqtimeout MinRate).
    public var bodyMinRate: Int
    /// Seconds a connection may sit idle between requests (nginx's keepalive_timeout).
    public var keepAliveTimeout: Double
    /// Seconds for an answer to leave: a client that does not read is closed then.
    public var writeTimeout: Double
    /// Bytes of request bodies held at once, shared by every server given the same budget.
    public var bodyBudget: BodyBudget

    public init(
        maxConnections: Int = 4096, headerTimeout: Double = 10, bodyTimeout: Double = 10, bodyMinRate: Int = 65_536,
        keepAliveTimeout: Double = 75, writeTimeout: Double = 30, bodyBudget: BodyBudget = BodyBudget(limit: 64 << 20)
    ) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.bodyMinRate = bodyMinRate
        self.keepAliveTimeout = keepAliveTimeout
        self.writeTimeout = writeTimeout
        self.bodyBudget = bodyBudget
    }

    /// The seconds a body of `bytes` may take.
    func bodyDeadline(_ bytes: Int) -> Double {
        bodyTimeout + Double(bytes) / Double(max(1, bodyMinRate))
    }
}
