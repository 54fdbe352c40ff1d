// `authd-microbench --ceiling PORT THREADS`: the bare ceiling the protected route is measured
// against (bench/run run 1): authd's HTTP stack on libevent, one loop per thread on one port,
// and an HS256 verify of the Bearer token per request; nothing else (no routing, no store, no
// access log). The secret is read from AUTHD_SIGNING_KEY, as authd reads it.
import EventLoop
import Glibc
import JSON
import JWT

enum CeilingServer {
    static func run(port: Int, threads: Int) throws -> Never {
        guard let secret = getenv("AUTHD_SIGNING_KEY").map({ String(cString: $0) }) else {
            print("authd-microbench --ceiling: AUTHD_SIGNING_KEY is not set")
            exit(2)
        }
        let verifier = JWTVerifier(keys: JWTKeySet(try JWTKey.hmac(secret: Array(secret.utf8), algorithm: .HS256)))
        let policy = ClaimsPolicy(expectedTokenType: "access")
        EventLoop.configureProcess()
        for index in 0..<threads {
            let ready = Semaphore()
            spawnThread(name: "ceiling-\(index)") {
                let loop = EventLoop()
                let server = try? HTTPServer(loop: loop, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port)) { request in
                    guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
                        let claims = try? verifier.verify(String(header.dropFirst(7)), policy: policy, now: loop.now),
                        let userID = claims.claims["user_id"]
                    else {
                        return request.respond(status: 401, json: #"{"detail":"Given token not valid for any token type","code":"token_not_valid"}"#)
                    }
                    request.respond(status: 200, body: JSONValue.object(["id": userID, "username": .string("ceiling")]).serialized())
                }
                ready.signal()
                guard let server else { return }
                loop.run()
                withExtendedLifetime(server) {}
            }.detach()
            ready.wait()
        }
        print("ceiling listening on 127.0.0.1:\(port) with \(threads) loops")
        fflush(nil)
        while true { pause() }
    }
}
