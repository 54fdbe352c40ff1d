// `authd healthcheck`: the container's health probe. The slim runtime image has no curl, so the
// binary asks the server itself: one blocking HTTP/1.0 GET over a plain socket, 200 or failure.
import Glibc
import ArgumentParser

struct Healthcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the URL answers 200, 1 otherwise, with the reason on standard error.")

    @Option(help: "http://HOST:PORT/PATH; HOST is a name, an IPv4 address or an [IPv6] address.")
    var url = "http://127.0.0.1:8000/healthz"

    func run() throws {
        try reportingFailures {
            let target = try HTTPTarget(url)
            let statusLine = try fetchStatusLine(target)
            let fields = statusLine.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), fields[1] == "200" else {
                throw CommandFailure("\(url) answered \"\(statusLine)\"")
            }
            print(statusLine)
        }
    }
}

/// The parts of an http:// URL that a GET needs.
private struct HTTPTarget {
    let host: String  // without the brackets of an IPv6 literal
    let port: String
    let authority: String  // host[:port] as written, for the Host header
    let path: String

    init(_ url: String) throws {
        let failure = CommandFailure("not an http://HOST:PORT/PATH URL: \(url)")
        // Spaces or line breaks would let the URL write its own request lines.
        guard url.hasPrefix("http://"), !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { throw failure }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        self.authority = String(authority)
        path = authority.endIndex == rest.endIndex ? "/" : String(rest[authority.endIndex...])
        let portText: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw failure }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            portText = authority[authority.index(after: close)...]
        } else {
            let colon = authority.firstIndex(of: ":") ?? authority.endIndex
            host = String(authority[..<colon])
            portText = authority[colon...]
        }
        if portText.isEmpty {
            port = "80"
        } else {
            guard portText.first == ":", let number = UInt16(portText.dropFirst()), number > 0 else { throw failure }
            port = String(number)
        }
        guard !host.isEmpty else { throw failure }
    }
}

/// Seconds each of connect, send and receive may take: a probe that hangs is worse than one that fails.
private let timeoutSeconds = 3

private func fetchStatusLine(_ target: HTTPTarget) throws -> String {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(target.host, target.port, &hints, &list)
    guard status == 0 else {
        throw CommandFailure("cannot resolve \(target.host): \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(list) }
    var failure = "\(target.host) has no address"
    var entry = list
    while let info = entry?.pointee {
        entry = info.ai_next
        let socketFD = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard socketFD >= 0 else {
            failure = "socket: \(systemError())"
            continue
        }
        defer { close(socketFD) }
        // On Linux SO_SNDTIMEO bounds connect() as well as send().
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        for option in [SO_SNDTIMEO, SO_RCVTIMEO] {
            setsockopt(socketFD, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        guard connect(socketFD, info.ai_addr, info.ai_addrlen) == 0 else {
            failure = "cannot connect to \(target.authority): \(systemError())"
            continue
        }
        return try exchange(socketFD, target)
    }
    throw CommandFailure(failure)
}

/// Sends the GET and reads up to the end of the status line; HTTP/1.0 lets the server close after.
private func exchange(_ socketFD: Int32, _ target: HTTPTarget) throws -> String {
    let request = Array("GET \(target.path) HTTP/1.0\r\nHost: \(target.authority)\r\nConnection: close\r\n\r\n".utf8)
    var sent = 0
    while sent < request.count {
        let count = request[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard count > 0 else { throw CommandFailure("cannot send to \(target.authority): \(systemError())") }
        sent += count
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 512)
    // A status line is short; 4 KiB without a line break is not an HTTP server.
    while !received.contains(UInt8(ascii: "\n")), received.count < 4096 {
        let count = recv(socketFD, &chunk, chunk.count, 0)
        if count == 0 { break }
        guard count > 0 else { throw CommandFailure("no answer from \(target.authority): \(systemError())") }
        received += chunk[..<count]
    }
    guard let end = received.firstIndex(of: UInt8(ascii: "\n")) else {
        throw CommandFailure("\(target.authority) closed the connection without an HTTP status line")
    }
    var line = received[..<end]
    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
    return String(decoding: line, as: UTF8.self)
}

/// errno as text; a timed-out socket call reports EAGAIN (EINPROGRESS for connect), which reads badly.
private func systemError() -> String {
    let code = errno
    if code == EAGAIN || code == EINPROGRESS { return "timed out after \(timeoutSeconds) s" }
    return String(cString: strerror(code))
}
