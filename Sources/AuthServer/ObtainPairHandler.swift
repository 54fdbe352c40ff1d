// POST /api/token/ and /api/token/sliding/: username (USERNAME_FIELD) and password for a token
// pair, or for one sliding token; held back first by the login throttle (LoginThrottle.swift).
import EventLoop
import JSON
import JWT
import Passwords

extension AuthService {
    /// What a login hands out: simplejwt's TokenObtainPairView or TokenObtainSlidingView.
    enum LoginKind: Sendable {
        case pair, sliding
    }

    /// What the worker decided about a login, and the new hash to store, if any: Django saves a
    /// rehash whenever the password matched, for an inactive user too.
    enum LoginOutcome: Sendable {
        /// `recorded` is the token kept as outstanding (the refresh or sliding token); `body` the answer.
        case granted(recorded: TokenAuthority.Signed, body: JSONObject, userID: UserID, rehash: PasswordRehash?)
        case refused(rehash: PasswordRehash?)
        case failed(rehash: PasswordRehash?)
    }

    /// A stored hash to replace (only while it is still `previous`).
    struct PasswordRehash: Sendable {
        let userID: UserID
        let previous: String
        let new: String
    }

    func obtain(_ request: HTTPRequest, _ kind: LoginKind) throws(APIError) {
        // DRF's TokenObtainSerializer names the field after USERNAME_FIELD (`email`, say).
        let fields = try data(of: request).charFields([settings.usernameField, "password"])
        let (username, password) = (fields[0], fields[1])
        guard let throttle else {
            users.account(username: username) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success(let account): check(request, kind, password: password, account: account, attempt: nil)
                }
            }
            return
        }
        // The throttle's read and the account's leave in the same pipeline batch (one round
        // trip); the login goes on when both have answered, and a throttled one never reaches
        // the worker pool.
        let attempt = LoginAttempt(username: username, address: clientAddress(request).throttleKey)
        var verdict: Result<ThrottleVerdict, StoreError>?
        var account: Result<LoginAccount?, StoreError>?
        let proceed = { [self] in
            guard let verdict, let account else { return }
            switch (verdict, account) {
            case (.failure(let error), _), (_, .failure(let error)):
                storeFailed(request, error)
            case (.success(let verdict), .success(let account)):
                if let wait = verdict.wait {
                    send(request, .throttled(wait: wait))
                } else {
                    check(request, kind, password: password, account: account, attempt: attempt)
                }
            }
        }
        throttle.check(attempt) { verdict = $0; proceed() }
        users.account(username: username) { account = $0; proceed() }
    }

    /// The client a login is counted under: the socket's peer, or what X-Forwarded-For says when
    /// the peer is a trusted proxy. A peer evhttp cannot name counts as 0.0.0.0 (never seen on
    /// TCP sockets).
    func clientAddress(_ request: HTTPRequest) -> IPAddress {
        let peer = request.peerAddress.flatMap { IPAddress($0) } ?? IPAddress(bytes: [0, 0, 0, 0])!
        guard !settings.trustedProxies.ranges.isEmpty else { return peer }
        return settings.trustedProxies.client(peer: peer, forwardedFor: request.headerValues("X-Forwarded-For"))
    }

    /// The password check, on the worker pool.
    private func check(_ request: HTTPRequest, _ kind: LoginKind, password: String, account: LoginAccount?, attempt: LoginAttempt?) {
        let shared = self.shared
        let now = loop.now
        offload(request, { Self.checkLogin(kind, password: password, account: account, shared: shared, now: now) }) {
            [self] outcome in finishLogin(request, kind, outcome, attempt: attempt)
        }
    }

    /// On a worker: Django's check_password with the configured hashers (a dummy hash of the
    /// same cost for unknown users and unusable or unreadable hashes, so timing does not reveal
    /// who exists), the rehash Django's must_update asks for, then, if granted, the tokens.
    /// Like Django's ModelBackend, an inactive user's password is still checked in full.
    static func checkLogin(_ kind: LoginKind, password: String, account: LoginAccount?, shared: SharedState, now: Double) -> LoginOutcome {
        guard let account else {
            shared.hashers.performDummyVerification(password)
            return .refused(rehash: nil)
        }
        let check = shared.hashers.check(password, against: account.passwordHash)
        guard check.matched else { return .refused(rehash: nil) }
        var rehash: PasswordRehash? = nil
        if check.mustUpdate, let new = try? shared.hashers.make(password) {
            rehash = PasswordRehash(userID: account.id, previous: account.passwordHash, new: new)
        }
        guard account.isActive else { return .refused(rehash: rehash) }
        // Django saves the rehash before the tokens are made: a revoke-token claim is of the new hash.
        let subject = TokenSubject(id: account.id, passwordHash: rehash?.new ?? account.passwordHash, claims: account.claims)
        do {
            switch kind {
            case .pair:
                let (refresh, access) = try shared.authority.pair(for: subject, now: now)
                return .granted(
                    recorded: refresh, body: ["refresh": .string(refresh.token), "access": .string(access)], userID: account.id, rehash: rehash)
            case .sliding:
                let token = try shared.authority.sliding(for: subject, now: now)
                return .granted(recorded: token, body: ["token": .string(token.token)], userID: account.id, rehash: rehash)
            }
        } catch {
            return .failed(rehash: rehash)
        }
    }

    /// Django's check_password saves a rehash before anything else happens, so the rehash is
    /// stored (or has failed) before the answer: a client that logs in sees its hash upgraded.
    func finishLogin(_ request: HTTPRequest, _ kind: LoginKind, _ outcome: LoginOutcome, attempt: LoginAttempt?) {
        guard let rehash = outcome.rehash else {
            answer(request, kind, outcome, attempt: attempt)
            return
        }
        users.upgradePasswordHash(userID: rehash.userID, from: rehash.previous, to: rehash.new) { [self] result in
            if case .failure(let error) = result, case .granted = outcome, settings.checkRevokeToken {
                // The tokens carry the new hash's MD5: without it stored they would not work.
                storeFailed(request, error)
            } else {
                // Otherwise a failed rehash only means the next login does the same work again.
                answer(request, kind, outcome, attempt: attempt)
            }
        }
    }

    /// The answer, and the throttle's bookkeeping. A refusal (wrong password, unknown or
    /// inactive user alike) is counted before it is sent: otherwise a client's next attempt,
    /// sent the moment this answer arrives, could be checked before the failure is stored (one
    /// round trip more on a path that has just spent a hash; a granted login also writes before
    /// its answer, so both take the same time). Tokens granted forget the pair's failures, after
    /// the answer.
    private func answer(_ request: HTTPRequest, _ kind: LoginKind, _ outcome: LoginOutcome, attempt: LoginAttempt?) {
        switch outcome {
        case .refused:
            if let attempt, let throttle {
                throttle.recordFailure(attempt) { [self] in send(request, .noActiveAccount) }
            } else {
                send(request, .noActiveAccount)
            }
        case .failed:
            send(request, .unavailable("Token signing failed, please retry."))
        case .granted(let recorded, let body, let userID, _):
            // simplejwt's for_user records the token as outstanding before answering.
            revocations.recordIssued(record(recorded, owner: .id(userID)), parent: nil, at: loop.now) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success:
                    // The pair's refresh token also goes in the cookie, when cookies are on.
                    if kind == .pair {
                        send(request, refreshAnswerBody(body), headers: settingRefreshCookie(recorded.token))
                    } else {
                        send(request, body)
                    }
                    if let attempt { throttle?.recordSuccess(attempt) }
                }
            }
            if settings.updateLastLogin {
                users.recordLogin(userID: userID)
            }
        }
    }
}

extension AuthService.LoginOutcome {
    var rehash: AuthService.PasswordRehash? {
        switch self {
        case .granted(_, _, _, let rehash), .refused(let rehash), .failed(let rehash): rehash
        }
    }
}
