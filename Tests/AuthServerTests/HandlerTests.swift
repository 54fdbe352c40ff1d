// The simplejwt endpoints over real HTTP (evhttp on loopback), with the stores in memory: the
import Glibc
// handlers' decisions without PostgreSQL.
@testable import AuthServer
import EventLoop
import JSON
import LoopTestSupport
import Passwords
import Testing

/// authd's service on a loop of its own, with an `InMemoryStore` holding the article's user
/// (Gokul / 123, id 1) and an inactive one (id 2).
final class InMemoryServer: Sendable {
    let loop: LoopThread
    let port: Int
    private let store: LoopBound<InMemoryStore>
    private let workers: WorkerPool

    init(_ configure: (inout Settings) -> Void = { _ in }) throws {
        var settings = Settings()
        settings.signingKey = Array("an-in-memory-test-secret-32-bytes!!".utf8)
        settings.hashIterations = 1000
        configure(&settings)
        let hash = try PBKDF2Hasher(iterations: 1000).encode("123")
        let workers = WorkerPool(threads: 1, queueLimit: 8)
        let shared = try SharedState(settings: settings, authority: try TokenAuthority(settings: settings), workers: workers)
        let started = Lock<(port: Int, store: LoopBound<InMemoryStore>)?>(nil)
        let deadline = settings.requestDeadline
        loop = LoopThread { loop in
            let store = InMemoryStore()
            store.add(id: 1, username: "Gokul", passwordHash: hash)
            store.add(id: 2, username: "inactive", passwordHash: hash, isActive: false)
            let service = AuthService(
                loop: loop, users: store, revocations: store, throttle: shared.settings.loginThrottle.isActive ? store : nil, health: store,
                model: .djangoDefault, shared: shared)
            let server = try! HTTPServer(
                loop: loop,
                configuration: HTTPServerConfiguration(port: 0, requestDeadline: deadline, renderRefusal: APIError.renderRefusal),
                handler: service.handle)
            started.withLock { $0 = (server.port, LoopBound(store, on: loop)) }
            return [service, server] as AnyObject
        }
        (port, store) = started.withLock { ($0!.port, $0!.store) }
        self.workers = workers
    }

    deinit {
        loop.stop()
        workers.stop()
    }

    /// Changes the store on its loop.
    func withStore(_ body: @escaping @Sendable (InMemoryStore) -> Void) {
        let store = self.store
        loop.performAndWait { _ in body(store.value) }
    }

    /// Reads the store on its loop.
    func read<T: Sendable>(_ body: @escaping @Sendable (InMemoryStore) -> T) -> T {
        let result = Lock<T?>(nil)
        withStore { store in result.withLock { $0 = body(store) } }
        return result.withLock { $0! }
    }

    /// A request with a JSON body (or none); the status and the body parsed as a JSON object.
    func request(_ method: String, _ path: String, json: String? = nil, token: String? = nil) -> (status: Int, body: JSONObject) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        let response = exchange(port: port, Array((head + "\r\n" + (json ?? "")).utf8))
        let status = Int(response.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let bytes = Array(response.utf8)
        let headEnd = bytes.indices.first { bytes[$0...].starts(with: [13, 10, 13, 10]) }
        let body = headEnd.map { Array(bytes[($0 + 4)...]) } ?? []
        return (status, (try? JSONParser.parse(body).objectValue) ?? [:])
    }

    func post(_ path: String, _ json: String) -> (status: Int, body: JSONObject) {
        request("POST", path, json: json)
    }

    /// Logs in as the article's user.
    func login() -> (refresh: String, access: String) {
        let answer = post("/api/token/", #"{"username": "Gokul", "password": 123}"#)
        return (answer.body["refresh"]?.stringValue ?? "", answer.body["access"]?.stringValue ?? "")
    }
}

@Suite("Handlers over in-memory stores")
struct HandlerTests {
    @Test("obtain: the right password gets a pair; a wrong one, an unknown or inactive user get simplejwt's 401")
    func obtain() throws {
        let server = try InMemoryServer()
        let granted = server.post("/api/token/", #"{"username": "Gokul", "password": 123}"#)
        #expect(granted.status == 200 && granted.body["refresh"] != nil && granted.body["access"] != nil)
        for credentials in [#"{"username": "Gokul", "password": "124"}"#, #"{"username": "nobody", "password": "123"}"#,
                            #"{"username": "inactive", "password": "123"}"#] {
            let refused = server.post("/api/token/", credentials)
            #expect(refused.status == 401)
            #expect(refused.body["detail"]?.stringValue == "No active account found with the given credentials")
        }
    }

    @Test("obtain: last_login is recorded only when AUTHD_UPDATE_LAST_LOGIN is on")
    func recordsLastLogin() throws {
        let quiet = try InMemoryServer()
        _ = quiet.login()
        #expect(quiet.read { $0.recordedLogins }.isEmpty)
        let recording = try InMemoryServer { $0.updateLastLogin = true }
        _ = recording.login()
        #expect(recording.read { $0.recordedLogins } == [InMemoryStore.userOne])
    }

    @Test("obtain: a hash weaker than configured is upgraded after the login")
    func upgradesWeakHash() throws {
        let server = try InMemoryServer { $0.hashIterations = 2000 }
        #expect(server.login().access != "")
        let upgraded = server.read { $0.accounts["Gokul"]!.passwordHash }
        #expect(upgraded.hasPrefix("pbkdf2_sha256$2000$"))
        #expect(server.login().access != "")
    }

    @Test("obtain: a throttled login is DRF's 429 and reaches no hash; refusals are counted before the 401, grants after")
    func throttle() throws {
        let server = try InMemoryServer()
        server.withStore { $0.throttleVerdict = ThrottleVerdict(pairWait: 3.2, addressWait: nil, userWait: 0.5) }
        for path in ["/api/token/", "/api/token/sliding/"] {
            let throttled = server.post(path, #"{"username": "Gokul", "password": 123}"#)
            #expect(throttled.status == 429)
            #expect(throttled.body["detail"]?.stringValue == "Request was throttled. Expected available in 4 seconds.")
        }
        #expect(server.read { $0.loginFailures.isEmpty && $0.loginSuccesses.isEmpty && $0.throttleChecks.count == 2 })
        #expect(server.read { $0.throttleChecks[0] } == LoginAttempt(username: "Gokul", address: "127.0.0.1"))
        // Field errors are answered before the throttle is asked.
        #expect(server.post("/api/token/", #"{"username": "Gokul"}"#).status == 400)
        #expect(server.read { $0.throttleChecks.count } == 2)

        server.withStore { $0.throttleVerdict = .open }
        #expect(server.post("/api/token/", #"{"username": "nobody", "password": "123"}"#).status == 401)
        #expect(server.post("/api/token/", #"{"username": "inactive", "password": "123"}"#).status == 401)
        #expect(server.read { $0.loginFailures.map(\.username) } == ["nobody", "inactive"])
        _ = server.login()
        #expect(server.read { $0.loginSuccesses } == [LoginAttempt(username: "Gokul", address: "127.0.0.1")])

        server.withStore { $0.isDown = true }
        #expect(server.post("/api/token/", #"{"username": "Gokul", "password": 123}"#).status == 503)

        let off = try InMemoryServer { $0.loginThrottle.enabled = false }
        off.withStore { $0.throttleVerdict = ThrottleVerdict(pairWait: 10) }
        #expect(off.post("/api/token/", #"{"username": "nobody", "password": "123"}"#).status == 401)
        #expect(off.read { $0.throttleChecks.isEmpty && $0.loginFailures.isEmpty })
    }

    @Test("refresh: a valid refresh token gets an access token; a revoked one or an inactive owner's is refused")
    func refresh() throws {
        let server = try InMemoryServer()
        let (refresh, _) = server.login()
        let refreshed = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        #expect(refreshed.status == 200 && refreshed.body["access"] != nil && refreshed.body["refresh"] == nil)
        server.withStore { $0.add(id: 1, username: "Gokul", passwordHash: $0.accounts["Gokul"]!.passwordHash, isActive: false) }
        let inactive = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        #expect(inactive.status == 401 && inactive.body["detail"]?.stringValue == "No active account found for the given token.")
        #expect(server.post("/api/token/blacklist/", #"{"refresh": "\#(refresh)"}"#).status == 200)
        let revoked = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        #expect(revoked.status == 401 && revoked.body["detail"]?.stringValue == "Token is blacklisted")
    }

    @Test("refresh with rotation and blacklisting: the new refresh token works, the rotated one is refused")
    func rotation() throws {
        let server = try InMemoryServer {
            $0.rotateRefreshTokens = true
            $0.blacklistAfterRotation = true
        }
        let (refresh, _) = server.login()
        let rotated = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        let successor = try #require(rotated.body["refresh"]?.stringValue)
        #expect(rotated.status == 200 && successor != refresh)
        let next = server.post("/api/token/refresh/", #"{"refresh": "\#(successor)"}"#)
        #expect(next.status == 200 && server.read { $0.revoked.count } == 2)
    }

    @Test("reuse of a rotated refresh token is refused and revokes its whole family, the newest token too")
    func reuseRevokesTheFamily() throws {
        let server = try InMemoryServer {
            $0.rotateRefreshTokens = true
            $0.blacklistAfterRotation = true
        }
        let (refresh, _) = server.login()
        let rotated = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        let successor = try #require(rotated.body["refresh"]?.stringValue)
        #expect(rotated.status == 200 && successor != refresh)
        let reused = server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#)
        #expect(reused.status == 401 && reused.body["detail"]?.stringValue == "Token is blacklisted")
        let victim = server.post("/api/token/refresh/", #"{"refresh": "\#(successor)"}"#)
        #expect(victim.status == 401 && victim.body["detail"]?.stringValue == "Token is blacklisted")
    }

    @Test("verify: any valid token is {}; with blacklist-after-rotation a revoked one is 400")
    func verify() throws {
        let plain = try InMemoryServer()
        let (refresh, access) = plain.login()
        #expect(plain.post("/api/token/verify/", #"{"token": "\#(access)"}"#).status == 200)
        #expect(plain.post("/api/token/verify/", #"{"token": "\#(access)x"}"#).status == 401)
        _ = plain.post("/api/token/blacklist/", #"{"refresh": "\#(refresh)"}"#)
        #expect(plain.post("/api/token/verify/", #"{"token": "\#(refresh)"}"#).status == 200)

        let checking = try InMemoryServer { $0.blacklistAfterRotation = true }
        let pair = checking.login()
        _ = checking.post("/api/token/blacklist/", #"{"refresh": "\#(pair.refresh)"}"#)
        let refused = checking.post("/api/token/verify/", #"{"token": "\#(pair.refresh)"}"#)
        #expect(refused.status == 400 && refused.body["non_field_errors"] == .array([.string("Token is blacklisted")]))
    }

    @Test("blacklist: the first call revokes the token with its owner and expiry, the second is refused")
    func blacklist() throws {
        let server = try InMemoryServer()
        let (refresh, access) = server.login()
        #expect(server.post("/api/token/blacklist/", #"{"refresh": "\#(refresh)"}"#).status == 200)
        let kept = try #require(server.read { $0.revoked.values.first })
        #expect(kept.userID == InMemoryStore.userOne && kept.expiresAt > 1_700_000_000 && kept.token == refresh)
        let again = server.post("/api/token/blacklist/", #"{"refresh": "\#(refresh)"}"#)
        #expect(again.status == 401 && again.body["detail"]?.stringValue == "Token is blacklisted")
        #expect(server.post("/api/token/blacklist/", #"{"refresh": "\#(access)"}"#).status == 401)
    }

    @Test("/me: the token's user; an inactive or vanished user is simplejwt's 401")
    func currentUser() throws {
        let server = try InMemoryServer()
        let (_, access) = server.login()
        let me = server.request("GET", "/api/users/me/", token: access)
        #expect(me.status == 200 && me.body == ["id": .number(JSONNumber(1)), "username": .string("Gokul")])
        server.withStore { $0.add(id: 1, username: "Gokul", passwordHash: "", isActive: false) }
        let inactive = server.request("GET", "/api/users/me/", token: access)
        #expect(inactive.status == 401 && inactive.body["code"]?.stringValue == "user_inactive")
        server.withStore { $0.usernames = [:] }
        let gone = server.request("GET", "/api/users/me/", token: access)
        #expect(gone.status == 401 && gone.body["code"]?.stringValue == "user_not_found")
    }

    @Test("logout everywhere: every token issued before it is refused, on /me and on refresh; later logins work")
    func revokeAll() throws {
        let server = try InMemoryServer()
        let first = server.login()
        let second = server.login()
        // Cut-offs are whole seconds, as iat is: tokens of this second before it stay valid.
        server.withStore { $0.tokensNotBefore[InMemoryStore.userOne] = Int64(time(nil)) + 1 }
        #expect(server.request("POST", "/api/token/revoke-all/").status == 401)
        for pair in [first, second] {
            let me = server.request("GET", "/api/users/me/", token: pair.access)
            #expect(me.status == 401 && me.body["code"]?.stringValue == "token_not_valid")
            let refreshed = server.post("/api/token/refresh/", #"{"refresh": "\#(pair.refresh)"}"#)
            #expect(refreshed.status == 401 && refreshed.body["detail"]?.stringValue == "Token is blacklisted")
        }
        server.withStore { $0.tokensNotBefore = [:] }
        let later = server.login()
        #expect(server.request("POST", "/api/token/revoke-all/", token: later.access).status == 200)
        #expect(server.read { $0.tokensNotBefore[InMemoryStore.userOne] } != nil)
    }

    @Test("a store that cannot answer makes every endpoint that needs it a 503 with Retry-After, and /readyz too")
    func storeDown() throws {
        let server = try InMemoryServer { $0.blacklistAfterRotation = true }
        let (refresh, access) = server.login()
        server.withStore { $0.isDown = true }
        let answers = [
            server.post("/api/token/", #"{"username": "Gokul", "password": 123}"#),
            server.post("/api/token/refresh/", #"{"refresh": "\#(refresh)"}"#),
            server.post("/api/token/verify/", #"{"token": "\#(refresh)"}"#),
            server.post("/api/token/blacklist/", #"{"refresh": "\#(refresh)"}"#),
            server.request("GET", "/api/users/me/", token: access),
            server.request("GET", "/readyz"),
        ]
        #expect(answers.map(\.status) == Array(repeating: 503, count: answers.count))
        #expect(server.request("GET", "/healthz").status == 200)
    }
}
