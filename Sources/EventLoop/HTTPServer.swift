// An evhttp server owned by one loop, listening with SO_REUSEPORT beside its sibling loops.
import Glibc
internal import CLibevent

/// Limits and timeouts of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    /// "127.0.0.1", "0.0.0.0", "::1", "[::]"...
    public var host: String
    /// 0 picks a free port (the first loop's; siblings then bind the same number).
    public var port: Int
    public var maxHeaderBytes: Int
    public var maxBodyBytes: Int
    /// Connections, their deadlines, and the bytes of bodies held at once.
    public var limits: ConnectionLimits
    /// Every request is answered within this many seconds, 503 if its handler is still waiting.
    /// (evhttp's own timeouts stop while a handler waits: libevent 2.1 disables reading then.)
    public var requestDeadline: Double
    public var backlog: Int
    /// The body and headers of the refusals the server sends by itself.
    public var renderRefusal: RefusalRenderer

    public init(
        host: String = "127.0.0.1", port: Int = 8000, maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 64 * 1024,
        limits: ConnectionLimits = ConnectionLimits(), requestDeadline: Double = 10, backlog: Int = 1024,
        renderRefusal: @escaping RefusalRenderer = plainTextRefusal
    ) {
        self.host = host
        self.port = port
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.limits = limits
        self.requestDeadline = requestDeadline
        self.backlog = backlog
        self.renderRefusal = renderRefusal
    }
}

public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// What the server answered to one request, for metrics and the access log.
public struct HTTPAnswer {
    /// nil for a method evhttp knows but authd does not (answered 501).
    public let method: HTTPMethod?
    /// The path without the query string (which may carry secrets), as sent.
    public let path: String
    public let status: Int
    /// Seconds from arrival to answer (0 for requests refused before any handler ran).
    public let duration: Double
    public let requestID: String

    public init(method: HTTPMethod?, path: String, status: Int, duration: Double, requestID: String) {
        self.method = method
        self.path = path
        self.status = status
        self.duration = duration
        self.requestID = requestID
    }
}

/// An HTTP/1.1 server on one `EventLoop`. Requests go to `handler` on the loop's thread.
public final class HTTPServer {
    public let loop: EventLoop
    public let configuration: HTTPServerConfiguration
    let http: OpaquePointer
    private var bound: OpaquePointer?
    private let handler: (HTTPRequest) -> Void
    var nextID: UInt64 = 0
    /// Requests received and not yet answered, weakly: their handlers own them.
    private var pending: [UInt64: WeakRequest] = [:]
    /// How many requests are received and not yet answered.
    public var inFlight: Int { pending.count }
    /// The port actually bound.
    public private(set) var port: Int = 0
    /// Told of every answer, after it is sent.
    public var onAnswered: ((HTTPAnswer) -> Void)?
    /// Prefix of the request ids made here: random per server, so ids stay unique across loops
    /// and restarts without coordination.
    let requestIDPrefix = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
    var isDraining = false
    var listener: OpaquePointer?
    /// Why accepting is paused; it resumes when the set is empty.
    var acceptPausedFor: Set<AcceptPause> = []
    /// Re-enables accepting after a pause for lack of descriptors or memory.
    var acceptResume: LoopTimer?
    /// How long accepting pauses when accept() fails for lack of descriptors or memory: the
    /// listening socket stays readable, so retrying at once would spin the loop.
    public static let acceptPause = 0.1
    /// How many times accepting paused (accept() failed with EMFILE, ENFILE, ENOBUFS or ENOMEM).
    public internal(set) var acceptPauses = 0
    /// Told of each accept() failure, with its errno, and whether accepting paused.
    public var onAcceptFailure: ((_ error: Int32, _ paused: Bool) -> Void)?
    /// Connections by their bufferevent, from adoption until evhttp frees them.
    var connections: [UnsafeRawPointer: HTTPConnection] = [:]
    /// Accepted connections evhttp is still setting up (see `adopt`), each with a reference of ours.
    var awaitingAdoption: [OpaquePointer] = []
    var adoption: LoopTrigger!
    /// The pending return of freed memory to the system, and connections closed since the last.
    var memoryReturn: LoopTimer?
    var closedSinceTrim = 0
    /// Connection deadlines of fixed durations, as libevent common timeouts.
    var commonTimeouts: [Double: timeval] = [:]
    /// Open client connections (adopted or awaiting adoption).
    public internal(set) var openConnections = 0
    /// Idle keep-alive connections closed to make room at the cap.
    public internal(set) var evictions = 0
    var evictionRetry: LoopTimer?
    /// Connections closed at a deadline, by what they were doing then.
    public internal(set) var deadlineCloses = DeadlineCloses()
    /// Unparsed input a connection may hold: evhttp's head limit and some room (see
    /// `HTTPConnection.setReadLimit`).
    var headMark: Int { configuration.maxHeaderBytes * 16 + 16 * 1024 }

    public init(loop: EventLoop, configuration: HTTPServerConfiguration, handler: @escaping (HTTPRequest) -> Void) throws(HTTPServerError) {
        self.loop = loop
        self.configuration = configuration
        self.handler = handler
        guard let http = evhttp_new(loop.base) else { throw HTTPServerError(description: "evhttp_new failed") }
        self.http = http
        // evhttp's own timeout restarts on every byte; authd's deadlines (HTTPConnection) come
        // first, and this only backs them up.
        let limits = configuration.limits
        let backstop = max(limits.headerTimeout, limits.bodyDeadline(configuration.maxBodyBytes), limits.keepAliveTimeout, limits.writeTimeout)
        evhttp_set_timeout(http, Int32(min(backstop + 10, 86_400)))
        // evhttp's own limits answer with an HTML page and no hook to change it (libevent 2.1),
        // so they sit well above ours: requests between the two get authd's JSON 431/413, and
        // only absurd ones reach evhttp's.
        evhttp_set_max_headers_size(http, configuration.maxHeaderBytes * 16)
        evhttp_set_max_body_size(http, configuration.maxBodyBytes + 1024 * 1024)
        // Every method reaches the router, which answers 405 with Allow itself (evhttp would
        // send 501 for a method that is not allowed).
        evhttp_set_allowed_methods(http, UInt16(0x1FF))
        // No EVHTTP_SERVER_LINGERING_CLOSE: in 2.1 it reads the whole declared body before
        // refusing it, so "Content-Length: 1073741824" would hold the connection until the idle
        // timeout. Without it the 413 goes out at once (a client still sending may see a reset).
        evhttp_set_gencb(http, { raw, context in
            guard let raw, let context else { return }
            Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().received(raw)
        }, Unmanaged.passUnretained(self).toOpaque())
        // Every accepted connection comes through here before evhttp builds it: counted, capped,
        // and watched (see HTTPServer+Connections.swift).
        evhttp_set_bevcb(http, { base, context in
            guard let base, let context else { return nil }
            return Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().connectionAccepted(base)
        }, Unmanaged.passUnretained(self).toOpaque())
        adoption = LoopTrigger(loop: loop) { [unowned self] in adopt() }
        makeCommonTimeouts()
        servers.withLock { $0[UnsafeRawPointer(http)] = WeakServer(server: self) }
        try listen()
    }

    deinit {
        // evhttp_free frees every request still open; a handler answering one later would
        // write to freed memory, so each is told first.
        for entry in pending.values { entry.request?.abandon() }
        servers.withLock { $0[UnsafeRawPointer(http)] = nil }
        forgetConnections()
        evhttp_free(http)
    }

    private func listen() throws(HTTPServerError) {
        var address = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let host = configuration.host.contains(":") && !configuration.host.hasPrefix("[") ? "[\(configuration.host)]" : configuration.host
        let text = "\(host):\(configuration.port)"
        // evutil_parse_sockaddr_port refuses port 0 ("any free port"): parse with port 1, then set it.
        let parsed = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { evutil_parse_sockaddr_port("\(host):1", $0, &length) }
        }
        guard parsed == 0, (0...65535).contains(configuration.port) else {
            throw HTTPServerError(description: "cannot parse listen address \(text)")
        }
        let networkPort = UInt16(configuration.port).bigEndian
        withUnsafeMutablePointer(to: &address) { storage in
            if storage.pointee.ss_family == sa_family_t(AF_INET6) {
                storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = networkPort }
            } else {
                storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = networkPort }
            }
        }
        let flags = LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE
        let listener = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                evconnlistener_new_bind(loop.base, nil, nil, UInt32(flags), Int32(configuration.backlog), $0, length)
            }
        }
        guard let listener else {
            throw HTTPServerError(description: "cannot listen on \(text): \(String(cString: strerror(errno)))")
        }
        guard let bound = evhttp_bind_listener(http, listener) else {
            evconnlistener_free(listener)
            throw HTTPServerError(description: "evhttp_bind_listener failed")
        }
        self.bound = bound
        self.listener = listener
        // Without an error callback libevent warns and returns, and the still-readable socket
        // calls it again at once: a loop at 100% CPU and a log flood while descriptors run out.
        // The callback's argument is evhttp's (it shares the accept callback's).
        evconnlistener_set_error_cb(listener) { _, http in
            let error = errno
            guard let http, let server = HTTPServer.server(of: http) else { return }
            server.acceptFailed(error)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = evconnlistener_get_fd(listener)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        port = Int(
            actual.ss_family == sa_family_t(AF_INET6)
                ? withUnsafePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
                : withUnsafePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } })
    }

    /// Stops accepting new connections. Requests in flight, and requests arriving on open
    /// connections, are still answered, each with `Connection: close`.
    public func beginDraining() {
        isDraining = true
        for entry in pending.values { entry.request?.closesConnection = true }
        acceptResume?.cancel()
        if let bound {
            listener = nil
            evhttp_del_accept_socket(http, bound)
            self.bound = nil
        }
    }

    /// A body larger than allowed that reached the handler stage: one whose head was not seen
    /// (see `HTTPConnection.precise`), or chunked.
    private func bodyTooLarge(_ raw: OpaquePointer) -> (status: Int, message: String)? {
        evbuffer_get_length(evhttp_request_get_input_buffer(raw)) > configuration.maxBodyBytes ? (413, "Request body too large.") : nil
    }

    /// The client's X-Request-Id if it is a short token that is safe to log and echo, else a new one.
    private func requestID(_ raw: OpaquePointer) -> String {
        if let headers = evhttp_request_get_input_headers(raw), let given = evhttp_find_header(headers, "X-Request-Id") {
            let length = strlen(given)
            let safe = (1...64).contains(length) && UnsafeBufferPointer(start: given, count: length).allSatisfy { byte in
                let c = UInt8(bitPattern: byte)
                return (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x3A
            }
            if safe { return String(cString: given) }
        }
        return requestIDPrefix + "-" + String(nextID, radix: 16)
    }

    /// Requests refused before any handler sees them, checked in one pass over the headers as
    /// soon as the head is complete (HTTPConnection.headComplete), and again when the request
    /// arrives: our own size limits (see init for why evhttp's are higher), and framing that a
    /// proxy in front could read differently from evhttp (request smuggling). evhttp trusts the
    /// first of several Content-Lengths and reads no body unless Transfer-Encoding is exactly
    /// "chunked" or a Content-Length is given; a body on a method that has none is refused
    /// (Django ignores a GET's body, so a proxy may pass it on as the next request). Refusals
    /// close the connection, so unread bytes go with it.
    func refusal(_ raw: OpaquePointer) -> (status: Int, message: String)? {
        guard let method = HTTPMethod(command: evhttp_request_get_command(raw)) else { return (501, "Method not implemented.") }
        var size = evhttp_request_get_uri(raw).map { strlen($0) } ?? 0
        var contentLengths = 0
        var declaresBody = false
        var transferEncodings = 0
        var chunkedOnly = true
        if let headers = evhttp_request_get_input_headers(raw) {
            var entry = headers.pointee.tqh_first
            while let current = entry {
                let value = current.pointee.value
                if let key = current.pointee.key {
                    size += strlen(key)
                    if strcasecmp(key, "Content-Length") == 0 {
                        contentLengths += 1
                        if let value, strcmp(value, "0") != 0 { declaresBody = true }
                    }
                    if strcasecmp(key, "Transfer-Encoding") == 0 {
                        transferEncodings += 1
                        declaresBody = true
                        if value.map({ strcasecmp($0, "chunked") != 0 }) ?? true { chunkedOnly = false }
                    }
                }
                size += (value.map { strlen($0) } ?? 0) + 4
                entry = current.pointee.next.tqe_next
            }
        }
        if size > configuration.maxHeaderBytes { return (431, "Request header fields too large.") }
        if contentLengths > 1 || (transferEncodings > 0 && contentLengths > 0) || transferEncodings > 1 || !chunkedOnly {
            return (400, "Ambiguous request framing.")
        }
        if declaresBody && ![.POST, .PUT, .PATCH].contains(method) { return (400, "A \(method.rawValue) request has no body.") }
        return nil
    }

    private func received(_ raw: OpaquePointer) {
        nextID &+= 1
        let id = requestID(raw)
        let connection = HTTPConnection.parsing(raw) ?? connection(of: raw)
        connection?.handling()
        let method = HTTPMethod(command: evhttp_request_get_command(raw))
        let early = connection?.refusal ?? (connection?.headChecked == true ? nil : refusal(raw)) ?? bodyTooLarge(raw)
        if let early {
            let path = requestTarget(raw).path
            connection?.writing(raw)
            send(configuration.renderRefusal(early.status, early.message), to: raw, requestID: id, closingConnection: true)
            onAnswered?(HTTPAnswer(method: method, path: path, status: early.status, duration: 0, requestID: id))
            return
        }
        // `refusal` answers 501 whenever `method` is nil.
        let request = HTTPRequest(
            raw: raw, loop: loop, method: method!, id: nextID, requestID: id, deadline: configuration.requestDeadline,
            connection: connection, renderRefusal: configuration.renderRefusal
        ) { [weak self] request, status in
            guard let self else { return }
            self.pending[request.id] = nil
            self.onAnswered?(
                HTTPAnswer(
                    method: request.method, path: request.path, status: status, duration: self.loop.monotonicNow - request.receivedAt,
                    requestID: request.requestID))
        }
        request.closesConnection = isDraining
        pending[request.id] = WeakRequest(request: request)
        handler(request)
    }
}

private struct WeakRequest {
    weak var request: HTTPRequest?
}
