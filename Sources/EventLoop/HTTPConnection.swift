// One client connection of an HTTPServer: where its current request stands, and the one deadline
// that phase has. evhttp reads and writes; this decides how long it may take. What libevent 2.1
// offers for this, and the pitfalls, are in docs/libevent-2.1.md.
import Glibc
internal import CEvhttpInternals
internal import CLibevent

/// One accepted connection. Loop-confined; owned by its server's table from adoption until
/// evhttp frees it (the close callback), never longer.
final class HTTPConnection {
    enum Phase {
        /// Accepted; its first request has not completed its head.
        case fresh
        /// Reading a request's head.
        case head
        /// Reading a request's body.
        case body
        /// A handler has the request: its deadline is the request's own.
        case handling
        /// The answer is queued and not yet handed to the kernel.
        case writing
        /// Between requests.
        case idle
    }

    unowned let server: HTTPServer
    /// A copy: `close` runs from the server's deinit too, when `server` may no longer be read.
    let limits: ConnectionLimits
    let bev: OpaquePointer
    let evcon: OpaquePointer
    /// The mirror of evhttp's connection agrees with the public accessors: the parse state and
    /// the request being read may be used. Otherwise heads are not seen until the request is
    /// complete (deadlines then span head and body together).
    let precise: Bool
    private(set) var phase = Phase.fresh
    /// A byte of the current request has arrived (a deadline then answers 408, not silence).
    private(set) var requestStarted = false
    /// The phase's deadline: one event per connection, re-armed at each phase change (a new
    /// timer per phase would cost two allocations per request).
    private var deadline: OpaquePointer?
    private var inputWatch: OpaquePointer?
    private var readLimit = 0
    /// Bytes of the budget this connection holds for the body being read or handled.
    private var reservedBody = 0
    /// A refusal decided when the head completed: the request arrives bodiless, and is answered
    /// with this and closed.
    var refusal: (status: Int, message: String)?
    /// The current request's head went through `HTTPServer.refusal` when it completed.
    private(set) var headChecked = false
    /// The header callback is set on the request being read (evhttp makes the next request
    /// after `answerSent`, so this is cleared there).
    private var headHookArmed = false
    private(set) var isClosed = false
    /// When the connection last became idle (monotonic seconds), for eviction at the cap.
    private(set) var idleSince = 0.0

    init(server: HTTPServer, bev: OpaquePointer, evcon: OpaquePointer, precise: Bool) {
        self.server = server
        limits = server.configuration.limits
        self.bev = bev
        self.evcon = evcon
        self.precise = precise
        deadline = event_new(server.loop.base, -1, 0, { _, _, context in
            guard let context else { return }
            Unmanaged<HTTPConnection>.fromOpaque(context).takeUnretainedValue().deadlinePassed()
        }, Unmanaged.passUnretained(self).toOpaque())
        inputWatch = evbuffer_add_cb(bufferevent_get_input(bev), { _, info, context in
            guard let context, let info else { return }
            Unmanaged<HTTPConnection>.fromOpaque(context).takeUnretainedValue().inputChanged(added: info.pointee.n_added)
        }, Unmanaged.passUnretained(self).toOpaque())
        setReadLimit(server.headMark)
        // The kernel's side of the same bound: answers are small, and a client that does not
        // read must not get megabytes of socket buffer (Linux grows it up to tcp_wmem's 4 MiB).
        var sendBuffer: Int32 = 64 * 1024
        _ = setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
        enter(.fresh, for: limits.headerTimeout + (precise ? 0 : limits.bodyDeadline(server.configuration.maxBodyBytes)))
        inputChanged(added: evbuffer_get_length(bufferevent_get_input(bev)))
    }

    deinit {
        if let deadline { event_free(deadline) }
    }

    private func enter(_ phase: Phase, for seconds: Double?) {
        self.phase = phase
        guard let deadline else { return }
        if let seconds {
            var time = server.commonTimeout(seconds)
            event_add(deadline, &time)  // re-arms a pending timer
        } else {
            event_del(deadline)
        }
    }

    /// Stops reading from the socket while this many bytes wait unparsed: a client that pipelines
    /// without reading its answers is held back by TCP instead of filling memory. It must stay
    /// above what evhttp has to hold whole (a head; a body with its declared length), or
    /// libevent would call evhttp to read again and again with nothing it can consume.
    private func setReadLimit(_ bytes: Int) {
        guard bytes != readLimit else { return }
        readLimit = bytes
        bufferevent_setwatermark(bev, Int16(EV_READ), 0, bytes)
    }

    /// Every change of the input buffer: a read, or a line evhttp consumed while parsing.
    private func inputChanged(added: Int) {
        guard !isClosed else { return }
        if added > 0 && (phase == .idle || phase == .fresh) {
            requestStarted = true
            if phase == .idle { enter(.head, for: limits.headerTimeout) }
        }
        // evhttp calls the header and request callbacks right after consuming the head's last
        // line or the body's last bytes, both of which pass through here: this thread's last
        // parsing connection is then the request's.
        pthread_setspecific(parsingConnectionKey, Unmanaged.passUnretained(self).toOpaque())
        // Arm the head hook on the request being read, once per request (a pipelined request
        // already buffered is parsed without a read: this also runs when evhttp consumes a line).
        if precise, !headHookArmed, phase == .fresh || phase == .head || phase == .idle,
            let request = authd_evcon_current_request(evcon)
        {
            headHookArmed = true
            evhttp_request_set_header_cb(request) { request, http in
                guard let request else { return 0 }
                let connection = HTTPConnection.parsing(request) ?? http.flatMap { HTTPServer.server(of: $0)?.connection(of: request) }
                connection?.headComplete(request)
                return 0
            }
        }
    }

    /// The connection this thread's evhttp parsed last, if `request` is its: the header callback
    /// and the request callback run inside evhttp's read of that connection.
    static func parsing(_ request: OpaquePointer) -> HTTPConnection? {
        guard let current = pthread_getspecific(parsingConnectionKey) else { return nil }
        let connection = Unmanaged<HTTPConnection>.fromOpaque(current).takeUnretainedValue()
        return evhttp_request_get_connection(request) == connection.evcon ? connection : nil
    }

    /// In evhttp's header callback: the head is parsed, the body not yet read. Decides the body's
    /// fate before a byte of it is buffered. Neither answers nor frees here (evhttp goes on with
    /// this request when the callback returns): a refusal removes the body's framing, so evhttp
    /// hands the request over at once, and `received` answers it.
    private func headComplete(_ request: OpaquePointer) {
        guard !isClosed else { return }
        headChecked = true
        if let refusal = server.refusal(request) {
            refuse(request, refusal)
            return
        }
        guard let headers = evhttp_request_get_input_headers(request) else { return }
        let chunked = evhttp_find_header(headers, "Transfer-Encoding") != nil
        let declared = chunked ? server.configuration.maxBodyBytes : evhttp_find_header(headers, "Content-Length").flatMap { Int(String(cString: $0)) } ?? 0
        guard declared > 0 else { return }
        guard declared <= server.configuration.maxBodyBytes else {
            refuse(request, (413, "Request body too large."))
            return
        }
        // libevent reads into buffers rounded up to a power of two (a 16 KiB read takes a 32 KiB
        // chunk), so a body can take up to twice its size: that is what is reserved.
        let cost = 2 * declared
        guard limits.bodyBudget.reserve(cost) else {
            refuse(request, (503, "Too many request bodies in progress; try again."))
            return
        }
        reservedBody = cost
        setReadLimit(server.headMark + declared)
        enter(.body, for: limits.bodyDeadline(declared))
    }

    private func refuse(_ request: OpaquePointer, _ refusal: (status: Int, message: String)) {
        self.refusal = refusal
        if let headers = evhttp_request_get_input_headers(request) {
            while evhttp_remove_header(headers, "Content-Length") == 0 {}
            while evhttp_remove_header(headers, "Transfer-Encoding") == 0 {}
        }
    }

    /// The request is complete and goes to its handler.
    func handling() {
        enter(.handling, for: nil)
        setReadLimit(server.headMark)
    }

    /// The answer is queued; when evhttp has handed it to the kernel, `answerSent` follows.
    func writing(_ request: OpaquePointer) {
        enter(.writing, for: limits.writeTimeout)
        evhttp_request_set_on_complete_cb(request, { _, context in
            guard let context else { return }
            Unmanaged<HTTPConnection>.fromOpaque(context).takeUnretainedValue().answerSent()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func answerSent() {
        guard !isClosed else { return }
        headChecked = false
        headHookArmed = false
        releaseBody()
        requestStarted = evbuffer_get_length(bufferevent_get_input(bev)) > 0
        // Pipelined bytes already here are the next request's head: its clock starts now.
        if requestStarted {
            enter(.head, for: limits.headerTimeout)
        } else {
            idleSince = monotonicSeconds()
            enter(.idle, for: limits.keepAliveTimeout)
        }
    }

    /// Closes an idle keep-alive connection to make room for a new client (at the cap). Only
    /// between requests: nothing is lost but the client's open socket, which it reopens.
    func evict() {
        guard !isClosed, phase == .idle else { return }
        withExtendedLifetime(self) { evhttp_connection_free(evcon) }
    }

    private func releaseBody() {
        limits.bodyBudget.release(reservedBody)
        reservedBody = 0
    }

    private func deadlinePassed() {
        guard !isClosed else { return }
        switch phase {
        case .handling:
            return
        case .fresh, .head, .body:
            // 408 only where a request has started and evhttp is not writing one of its own
            // error pages; written straight to the socket, since evhttp cannot answer a request
            // it has not finished reading. The output is empty, so nothing is interleaved.
            let state = precise ? authd_evcon_state(evcon) : 3
            if requestStarted, (3...6).contains(state), evbuffer_get_length(bufferevent_get_output(bev)) == 0 {
                server.sendTimeout(on: self)
            }
        case .idle, .writing:
            break
        }
        server.closed(byDeadline: phase)
        // The close callback drops the server's reference to this connection inside the free.
        withExtendedLifetime(self) { evhttp_connection_free(evcon) }
    }

    /// evhttp is freeing the connection (from its close callback): forget it.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let deadline { event_del(deadline) }
        if let inputWatch { evbuffer_remove_cb_entry(bufferevent_get_input(bev), inputWatch) }
        if pthread_getspecific(parsingConnectionKey) == Unmanaged.passUnretained(self).toOpaque() {
            pthread_setspecific(parsingConnectionKey, nil)
        }
        inputWatch = nil
        releaseBody()
    }
}

/// The connection whose input this loop thread's evhttp parsed last (unretained; cleared when it
/// closes): how the header callback, whose argument is evhttp's, finds its connection.
private let parsingConnectionKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
