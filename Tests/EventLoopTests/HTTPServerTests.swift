// The evhttp server: replies now or later, deadlines, forgotten requests, limits, disconnects.
import Glibc
import EventLoop
import LoopTestSupport
import Testing

@Suite("HTTP server")
struct HTTPServerTests {
    /// Starts a server on a free port whose handler is `handler`; returns the loop and the port.
    static func serve(
        _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(port: 0),
        _ handler: @escaping @Sendable (HTTPRequest) -> Void
    ) -> (LoopThread, Int) {
        let port = Lock(0)
        let running = LoopThread { loop in
            let server = try! HTTPServer(loop: loop, configuration: configuration, handler: handler)
            port.withLock { $0 = server.port }
            return server
        }
        return (running, port.withLock { $0 })
    }

    @Test("the handler sees method, path, headers and body, and its JSON reply arrives whole")
    func roundTrip() {
        let seen = Lock<String>("")
        let (running, port) = Self.serve { request in
            seen.withLock {
                $0 = "\(request.method) \(request.path) \(request.header("x-test") ?? "-") \(request.query ?? "-") \(String(decoding: request.body, as: UTF8.self))"
            }
            request.respond(status: 201, headers: [("X-Reply", "yes")], json: #"{"ok":true}"#)
        }
        #expect(port > 0)
        let response = exchange(port: port, Array("POST /a/b?q=1 HTTP/1.1\r\nHost: x\r\nX-Test: one\r\nX-Test: two\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".utf8))
        #expect(response.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(response.contains("Content-Type: application/json\r\n"))
        #expect(response.contains("X-Reply: yes\r\n"))
        #expect(response.contains("Content-Length: 11\r\n"))
        #expect(response.hasSuffix("\r\n\r\n{\"ok\":true}"))
        #expect(seen.withLock { $0 } == "POST /a/b one q=1 hello")
        running.stop()
    }

    /// Holds requests on the loop so a handler can answer later (or never).
    final class Held {
        var requests: [HTTPRequest] = []
        var timers: [LoopTimer] = []
    }

    @Test("a reply sent later, from a timer, reaches the client")
    func deferredReply() {
        let (running, port) = Self.serve { request in
            let held = Held()
            held.timers.append(LoopTimer(loop: request.loop, after: 0.05) {
                request.respond(status: 200, json: #"{"late":1}"#)
                held.timers.removeAll()
            })
        }
        #expect(get("/x", port: port).hasSuffix(#"{"late":1}"#))
        running.stop()
    }

    @Test("a request its handler never answers gets 503 at its deadline")
    func deadline() {
        let holder = LoopHolder()
        let (running, port) = Self.serve(HTTPServerConfiguration(port: 0, requestDeadline: 0.2)) { request in
            holder.hold(request)
        }
        let started = Date.now
        let response = get("/slow", port: port)
        #expect(response.hasPrefix("HTTP/1.1 503 "))
        #expect(response.hasSuffix("The request took too long; try again.\n"))
        #expect(Date.now - started >= 0.19)
        running.stop()
    }

    @Test("a request its handler drops gets 500, not a hung connection")
    func forgotten() {
        let (running, port) = Self.serve { _ in }
        #expect(get("/forgotten", port: port).hasPrefix("HTTP/1.1 500 "))
        running.stop()
    }

    @Test("a body over the limit is refused with 413 and the server keeps serving")
    func bodyLimit() {
        let (running, port) = Self.serve(HTTPServerConfiguration(port: 0, maxBodyBytes: 1024)) { request in
            request.respond(status: 200, json: "{}")
        }
        let big = String(repeating: "a", count: 4096)
        let response = exchange(port: port, Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n\(big)".utf8))
        #expect(response.hasPrefix("HTTP/1.1 413 "))
        #expect(get("/", port: port).hasPrefix("HTTP/1.1 200 "))
        running.stop()
    }

    @Test("oversized headers get a 431 and ambiguous framing a 400, before any handler runs, worded by the application")
    func refusedEarly() {
        let handled = Lock(0)
        let renderRefusal: RefusalRenderer = { status, message in
            HTTPReply(status: status, headers: [("X-Refused", "yes")], body: Array(#"{"refused":"\#(message)"}"#.utf8))
        }
        let (running, port) = Self.serve(HTTPServerConfiguration(port: 0, maxHeaderBytes: 1024, renderRefusal: renderRefusal)) { request in
            handled.withLock { $0 += 1 }
            request.respond(status: 200, json: "{}")
        }
        let big = get("/", port: port, extraHeaders: "X-Big: \(String(repeating: "b", count: 2000))\r\n")
        #expect(big.hasPrefix("HTTP/1.1 431 ") && big.hasSuffix(#"{"refused":"Request header fields too large."}"#))
        #expect(big.contains("X-Refused: yes") && big.contains("Content-Type: application/json"))
        let twice = exchange(port: port, Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab".utf8))
        #expect(twice.hasPrefix("HTTP/1.1 400 ") && twice.contains("Connection: close"))
        #expect(handled.withLock { $0 } == 0)
        #expect(get("/", port: port).hasPrefix("HTTP/1.1 200 "))
        running.stop()
    }

    @Test("a client that disconnects while its request waits crashes nothing")
    func disconnectWhileWaiting() {
        let answered = Lock(0)
        let (running, port) = Self.serve { request in
            let held = Held()
            held.timers.append(LoopTimer(loop: request.loop, after: 0.1) {
                request.respond(status: 200, json: "{}")
                answered.withLock { $0 += 1 }
                held.timers.removeAll()
            })
        }
        for _ in 0..<20 {
            _ = exchange(port: port, Array("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n".utf8), closeAfterSend: true)
        }
        usleep(300_000)
        #expect(answered.withLock { $0 } == 20)
        #expect(get("/after", port: port).hasPrefix("HTTP/1.1 200 "))
        running.stop()
    }
}

/// Keeps requests alive without answering them (they are only touched on the loop thread).
final class LoopHolder: @unchecked Sendable {
    private var requests: [HTTPRequest] = []
    func hold(_ request: HTTPRequest) { requests.append(request) }
}

struct Date {
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
