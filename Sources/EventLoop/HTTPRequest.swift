// One HTTP request on a loop, answered exactly once: by its handler, its deadline, or its deinit.
import Glibc
internal import CLibevent

/// HTTP request methods evhttp knows.
public enum HTTPMethod: String, Sendable {
    case GET, POST, HEAD, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH

    init?(command: evhttp_cmd_type) {
        switch command {
        case EVHTTP_REQ_GET: self = .GET
        case EVHTTP_REQ_POST: self = .POST
        case EVHTTP_REQ_HEAD: self = .HEAD
        case EVHTTP_REQ_PUT: self = .PUT
        case EVHTTP_REQ_DELETE: self = .DELETE
        case EVHTTP_REQ_OPTIONS: self = .OPTIONS
        case EVHTTP_REQ_TRACE: self = .TRACE
        case EVHTTP_REQ_CONNECT: self = .CONNECT
        case EVHTTP_REQ_PATCH: self = .PATCH
        default: return nil
        }
    }
}

/// A request received by an `HTTPServer`. Loop-confined (not Sendable).
///
/// C lifetime: evhttp keeps the `evhttp_request` alive until we reply, even if the client has
/// gone (libevent 2.1 then detaches it from the connection and frees it inside our
/// `evhttp_send_reply`). So the pointer is valid exactly until `respond` and never after, and
/// every request must be answered once: `respond` is idempotent, the deadline timer answers
/// 503 for a handler that is still waiting, and deinit answers 500 for one that forgot.
public final class HTTPRequest {
    private var raw: OpaquePointer?
    public let loop: EventLoop
    public let method: HTTPMethod
    /// The path without the query string, as sent (not percent-decoded).
    public let path: String
    /// The query string without its "?", if any.
    public let query: String?
    public let body: [UInt8]
    /// Monotonic time when the request arrived (`EventLoop.monotonicNow`), for its duration.
    public let receivedAt: Double
    /// Per-loop sequence number.
    public let id: UInt64
    /// The client's `X-Request-Id` when it is a sane token, else one made up here; echoed in the
    /// response and written in the access log, so one request can be followed across systems.
    public let requestID: String
    private var deadline: LoopTimer?
    private let renderRefusal: RefusalRenderer
    /// Where the request arrived, told when its answer is queued (its write deadline starts).
    private weak var connection: HTTPConnection?
    private let onAnswer: (HTTPRequest, Int) -> Void
    /// Set while the server drains: the response closes its connection, so a keep-alive client
    /// opens its next request elsewhere instead of racing the close.
    var closesConnection = false

    /// Headers added to every answer of this request, whoever gives it (its handler, its
    /// deadline's 503): the application's per-request headers, such as CORS's.
    public var extraHeaders: [(String, String)] = []

    /// The status sent, once answered.
    public private(set) var status: Int?

    init(
        raw: OpaquePointer, loop: EventLoop, method: HTTPMethod, id: UInt64, requestID: String, deadline seconds: Double,
        connection: HTTPConnection?, renderRefusal: @escaping RefusalRenderer, onAnswer: @escaping (HTTPRequest, Int) -> Void
    ) {
        self.raw = raw
        self.loop = loop
        self.method = method
        self.id = id
        self.requestID = requestID
        self.connection = connection
        self.renderRefusal = renderRefusal
        self.onAnswer = onAnswer
        receivedAt = loop.monotonicNow
        (path, query) = requestTarget(raw)
        let input = evhttp_request_get_input_buffer(raw)
        let length = evbuffer_get_length(input)
        // Not through unsafeUninitializedCapacity when empty: for a capacity of 0 it writes the
        // count into the process-wide empty-array storage, a race between loops (ThreadSanitizer).
        body = length == 0 ? [] : [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            initialized = Int(evbuffer_copyout(input, buffer.baseAddress, length))
        }
        // evhttp never reads a delivered request's body again: free its copy now rather than
        // when the answer has been written.
        evbuffer_drain(input, length)
        deadline = LoopTimer(loop: loop, after: seconds) { [weak self] in
            guard let self else { return }
            respond(renderRefusal(503, "The request took too long; try again."))
        }
    }

    deinit {
        // Only the loop thread may touch evhttp. Off the loop this can only happen during
        // shutdown (a worker's result arriving after its loop ended), when the server has
        // already abandoned its requests.
        if raw != nil && loop.inLoop {
            respond(renderRefusal(500, "Internal server error."))
        }
    }

    /// Forgets the C request without answering: its evhttp is being freed (shutdown).
    func abandon() {
        raw = nil
        deadline?.cancel()
        deadline = nil
    }

    /// The first value of header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        guard let raw, let headers = evhttp_request_get_input_headers(raw) else { return nil }
        return evhttp_find_header(headers, name).map { String(cString: $0) }
    }

    /// Every value of header `name` (case-insensitive), in the order received.
    public func headerValues(_ name: String) -> [String] {
        guard let raw, let headers = evhttp_request_get_input_headers(raw) else { return [] }
        var values: [String] = []
        var entry = headers.pointee.tqh_first
        while let current = entry {
            if let key = current.pointee.key, let value = current.pointee.value, strcasecmp(key, name) == 0 {
                values.append(String(cString: value))
            }
            entry = current.pointee.next.tqe_next
        }
        return values
    }

    /// The socket peer's address as evhttp recorded it at accept (numeric: `127.0.0.1`, `::1`,
    /// `::ffff:192.0.2.1` on a dual-stack socket); nil once answered, or if evhttp has none.
    public var peerAddress: String? {
        guard let raw, let connection = evhttp_request_get_connection(raw) else { return nil }
        var address: UnsafeMutablePointer<CChar>? = nil
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        return address.map { String(cString: $0) }
    }

    /// Sends the answer; later calls do nothing.
    public func respond(_ reply: HTTPReply) {
        guard let raw else { return }
        self.raw = nil
        deadline?.cancel()
        deadline = nil
        status = reply.status
        connection?.writing(raw)
        var reply = reply
        if !extraHeaders.isEmpty { reply.headers += extraHeaders }
        send(reply, to: raw, requestID: requestID, closingConnection: closesConnection)
        onAnswer(self, reply.status)
    }

    public func respond(status: Int, headers: [(String, String)] = [], body: [UInt8], contentType: String = "application/json") {
        respond(HTTPReply(status: status, headers: headers, body: body, contentType: contentType))
    }

    public func respond(status: Int, headers: [(String, String)] = [], json: String) {
        respond(HTTPReply(status: status, headers: headers, body: Array(json.utf8)))
    }
}
