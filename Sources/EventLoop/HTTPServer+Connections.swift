// How an HTTPServer takes connections: accepting paused when descriptors run out or at the cap,
// each connection tracked from accept to close, and answers for requests too slow to arrive.
import Glibc
internal import CEvhttpInternals
internal import CLibevent

/// Why a server is not accepting.
enum AcceptPause: Hashable {
    /// accept() failed for lack of descriptors or memory: resumes after a short pause, or as soon
    /// as a connection closes.
    case outOfResources
    /// As many connections are open as the server may have.
    case cap
}

/// Connections closed at a deadline, by what they were doing then.
public struct DeadlineCloses: Sendable {
    /// Still sending a request head (or nothing, on a new connection).
    public var header = 0
    public var body = 0
    /// Idle between requests.
    public var idle = 0
    /// Not reading its answer.
    public var write = 0

    public init() {}
}

extension HTTPServer {
    /// The server of an evhttp, for libevent callbacks whose argument is evhttp's.
    static func server(of http: UnsafeMutableRawPointer) -> HTTPServer? {
        servers.withLock { $0[UnsafeRawPointer(http)]?.server }
    }

    /// The tracked connection a request of this server arrived on.
    func connection(of request: OpaquePointer) -> HTTPConnection? {
        guard let evcon = evhttp_request_get_connection(request), let bev = evhttp_connection_get_bufferevent(evcon) else { return nil }
        return connections[UnsafeRawPointer(bev)]
    }

    /// `seconds` as a libevent common timeout when it is one of the connection limits' fixed
    /// durations (a queue per duration: re-arming is O(1) instead of a heap operation among
    /// thousands of connections), else as a plain one (a body's deadline).
    func commonTimeout(_ seconds: Double) -> timeval {
        commonTimeouts[seconds] ?? timeval(seconds: seconds)
    }

    /// The common timeouts of the fixed durations, made once per loop.
    func makeCommonTimeouts() {
        let limits = configuration.limits
        for seconds in [limits.headerTimeout, limits.keepAliveTimeout, limits.writeTimeout] {
            var plain = timeval(seconds: seconds)
            commonTimeouts[seconds] = event_base_init_common_timeout(loop.base, &plain).map { $0.pointee } ?? plain
        }
    }

    // MARK: Accepting

    func acceptFailed(_ error: Int32) {
        let outOfResources = [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error)
        if outOfResources {
            acceptPauses += 1
            pauseAccepting(.outOfResources)
            acceptResume = LoopTimer(loop: loop, after: Self.acceptPause) { [weak self] in self?.resumeAccepting(.outOfResources) }
        }
        onAcceptFailure?(error, outOfResources)
    }

    func pauseAccepting(_ reason: AcceptPause) {
        acceptPausedFor.insert(reason)
        if let listener { evconnlistener_disable(listener) }
    }

    func resumeAccepting(_ reason: AcceptPause) {
        guard acceptPausedFor.remove(reason) != nil, acceptPausedFor.isEmpty, let listener, !isDraining else { return }
        evconnlistener_enable(listener)
    }

    // MARK: A connection's life

    /// evhttp's bufferevent callback, for each accepted connection before evhttp builds it. The
    /// connection object does not exist yet, so it is adopted a moment later (`adopt`), with a
    /// reference of ours keeping the bufferevent alive until then. At the cap, accepting pauses
    /// here: libevent checks before accepting the next connection.
    func connectionAccepted(_ base: OpaquePointer) -> OpaquePointer? {
        guard let bev = bufferevent_socket_new(base, -1, 0) else { return nil }
        bufferevent_incref(bev)
        awaitingAdoption.append(bev)
        openConnections += 1
        if openConnections >= configuration.limits.maxConnections { pauseAccepting(.cap) }
        adoption.fire()
        return bev
    }

    /// Runs after the accept callback, before any read on the new connections: each has its
    /// evhttp connection now (the bufferevent's callback argument), unless evhttp failed to set
    /// it up and freed it (no callbacks left).
    func adopt() {
        let accepted = awaitingAdoption
        awaitingAdoption = []
        for bev in accepted {
            var argument: UnsafeMutableRawPointer?
            bufferevent_getcb(bev, nil, nil, nil, &argument)
            if let argument {
                let evcon = OpaquePointer(argument)
                let connection = HTTPConnection(
                    server: self, bev: bev, evcon: evcon, precise: authd_evcon_layout_matches(evcon, bev, http) == 1)
                connections[UnsafeRawPointer(bev)] = connection
                evhttp_connection_set_closecb(evcon, { _, context in
                    guard let context else { return }
                    let connection = Unmanaged<HTTPConnection>.fromOpaque(context).takeRetainedValue()
                    connection.server.connectionClosed(connection)
                }, Unmanaged.passRetained(connection).toOpaque())
            } else {
                lostConnection()
            }
            bufferevent_decref(bev)
        }
        if acceptPausedFor.contains(.cap) { evictIdleConnection() }
    }

    /// At the cap, as nginx reuses keep-alive connections: when a client waits in the backlog,
    /// the connection idle the longest (for at least a second, so a client between two quick
    /// requests keeps its socket) is closed and accepting resumes. Looked at again every 0.25 s
    /// while the cap holds.
    func evictIdleConnection() {
        if clientWaiting() {
            let now = monotonicSeconds()
            var oldest: HTTPConnection?
            for connection in connections.values where connection.phase == .idle && now - connection.idleSince >= 1 {
                if oldest.map({ connection.idleSince < $0.idleSince }) ?? true { oldest = connection }
            }
            if let oldest {
                evictions += 1
                oldest.evict()
                return
            }
        }
        guard evictionRetry == nil else { return }
        evictionRetry = LoopTimer(loop: loop, after: 0.25) { [weak self] in
            guard let self else { return }
            evictionRetry = nil
            if acceptPausedFor.contains(.cap) { evictIdleConnection() }
        }
    }

    /// A connection waits in the listening socket's backlog.
    private func clientWaiting() -> Bool {
        guard let listener else { return false }
        var waiting = pollfd(fd: evconnlistener_get_fd(listener), events: Int16(POLLIN), revents: 0)
        return poll(&waiting, 1, 0) == 1 && waiting.revents & Int16(POLLIN) != 0
    }

    /// evhttp is freeing a connection (peer gone, evhttp's own error, a deadline, shutdown).
    func connectionClosed(_ connection: HTTPConnection) {
        connection.close()
        connections[UnsafeRawPointer(connection.bev)] = nil
        lostConnection()
    }

    private func lostConnection() {
        openConnections -= 1
        closedSinceTrim += 1
        scheduleMemoryReturn()
        // Its descriptor is closed right after: room for the next accept.
        resumeAccepting(.outOfResources)
        if openConnections < configuration.limits.maxConnections { resumeAccepting(.cap) }
    }

    /// A second after connections close, glibc is asked to return what they freed: request bodies
    /// (when 1 MiB or more of the budget came back) or the input of many connections (100 or
    /// more closed). At most once a second per loop; it costs well under a millisecond when
    /// there is little to return, tens of ms after hundreds of MB.
    private func scheduleMemoryReturn() {
        guard memoryReturn == nil else { return }
        memoryReturn = LoopTimer(loop: loop, after: 1) { [weak self] in
            guard let self else { return }
            memoryReturn = nil
            if configuration.limits.bodyBudget.takeTrim() || closedSinceTrim >= 100 {
                closedSinceTrim = 0
                releaseFreeMemory()
            }
        }
    }

    func closed(byDeadline phase: HTTPConnection.Phase) {
        switch phase {
        case .fresh, .head: deadlineCloses.header += 1
        case .body: deadlineCloses.body += 1
        case .idle: deadlineCloses.idle += 1
        case .writing: deadlineCloses.write += 1
        case .handling: break
        }
    }

    /// Before evhttp_free: its close callbacks must not reach a server being torn down.
    func forgetConnections() {
        for connection in connections.values {
            evhttp_connection_set_closecb(connection.evcon, nil, nil)
            connection.close()
            Unmanaged.passUnretained(connection).release()
        }
        connections = [:]
        for bev in awaitingAdoption { bufferevent_decref(bev) }
        awaitingAdoption = []
    }

    /// A 408 for a request that did not arrive in time, written straight to the socket: evhttp
    /// cannot answer a request it has not finished reading, and its output is empty (checked by
    /// the caller), so this is the only answer on the wire.
    func sendTimeout(on connection: HTTPConnection) {
        nextID &+= 1
        let requestID = requestIDPrefix + "-" + String(nextID, radix: 16)
        let bytes = rawClosingResponse(configuration.renderRefusal(408, "The request took too long to arrive."), requestID: requestID)
        _ = bytes.withUnsafeBytes { Glibc.send(bufferevent_getfd(connection.bev), $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        // The method and path, when the request line has been read.
        var method: HTTPMethod?
        var path = "-"
        if connection.precise, authd_evcon_state(connection.evcon) >= 4, let request = authd_evcon_current_request(connection.evcon) {
            method = HTTPMethod(command: evhttp_request_get_command(request))
            path = requestTarget(request).path
        }
        onAnswered?(HTTPAnswer(method: method, path: path, status: 408, duration: 0, requestID: requestID))
    }
}

/// Every server by its evhttp, for libevent callbacks whose argument is the evhttp (the accept
/// error callback, the header callback). A lookup per request head; uncontended.
let servers = Lock<[UnsafeRawPointer: WeakServer]>([:])

struct WeakServer: @unchecked Sendable {
    /// Used only on the server's own loop thread (the callbacks run there).
    weak var server: HTTPServer?
}
