// What a request is answered with, and the one function that hands an answer to evhttp.
import Glibc
internal import CLibevent

/// A complete answer: status, headers beyond Content-Type, body.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var contentType: String

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8], contentType: String = "application/json") {
        self.status = status
        self.headers = headers
        self.body = body
        self.contentType = contentType
    }
}

/// How the server words the refusals it sends by itself, before or instead of a handler: a
/// request too large or ambiguously framed, a method evhttp cannot name, a handler past its
/// deadline (503) or one that never answered (500). The application decides the body's shape;
/// this module only supplies the status and an English sentence.
public typealias RefusalRenderer = @Sendable (_ status: Int, _ message: String) -> HTTPReply

/// Plain text, for servers that do not say otherwise.
public let plainTextRefusal: RefusalRenderer = { status, message in
    HTTPReply(status: status, body: Array((message + "\n").utf8), contentType: "text/plain; charset=utf-8")
}

/// Sends `reply` to the evhttp request `raw`, which is dead after this call (freed now, or by
/// evhttp once the answer is written). Every answer authd gives goes through here.
func send(_ reply: HTTPReply, to raw: OpaquePointer, requestID: String, closingConnection: Bool) {
    if let output = evhttp_request_get_output_headers(raw) {
        evhttp_add_header(output, "Content-Type", reply.contentType)
        evhttp_add_header(output, "X-Request-Id", requestID)
        if closingConnection { evhttp_add_header(output, "Connection", "close") }
        for (name, value) in reply.headers { evhttp_add_header(output, name, value) }
    }
    if !reply.body.isEmpty {
        reply.body.withUnsafeBytes { _ = evbuffer_add(evhttp_request_get_output_buffer(raw), $0.baseAddress, $0.count) }
    }
    evhttp_send_reply(raw, Int32(reply.status), reasonPhrase(reply.status), nil)
}

/// `reply` as the bytes of an HTTP/1.1 response that closes its connection, for the one answer
/// written straight to a socket: a request that did not arrive in time, which evhttp cannot
/// answer because it has not finished reading it.
func rawClosingResponse(_ reply: HTTPReply, requestID: String) -> [UInt8] {
    var head = "HTTP/1.1 \(reply.status) \(reasonPhrase(reply.status))\r\nContent-Type: \(reply.contentType)\r\n"
    head += "Content-Length: \(reply.body.count)\r\nX-Request-Id: \(requestID)\r\nConnection: close\r\n"
    for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
    return Array((head + "\r\n").utf8) + reply.body
}

/// The path (as sent, not percent-decoded) and the query string (without its "?") of a request's
/// URI; a fragment, which clients should not send, is dropped.
func requestTarget(_ raw: OpaquePointer) -> (path: String, query: String?) {
    let uri = evhttp_request_get_uri(raw).map { String(cString: $0) } ?? "/"
    let beforeFragment = uri.prefix { $0 != "#" }
    guard let mark = beforeFragment.firstIndex(of: "?") else { return (String(beforeFragment), nil) }
    return (String(beforeFragment[..<mark]), String(beforeFragment[beforeFragment.index(after: mark)...]))
}

func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 201: "Created"
    case 204: "No Content"
    case 301: "Moved Permanently"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 413: "Content Too Large"
    case 415: "Unsupported Media Type"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 503: "Service Unavailable"
    default: "Status"
    }
}
