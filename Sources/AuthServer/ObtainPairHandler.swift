// POST /api/token/: username and password for a refresh and access token pair.
import EventLoop
import JSON
import JWT
import Passwords

extension AuthService {
    /// What the worker decided about a login, and the new hash to store, if any: Django saves a
    /// rehash whenever the password matched, for an inactive user too.
    enum LoginOutcome: Sendable {
        case granted(refresh: String, access: String, userID: Int64, rehash: PasswordRehash?)
        case refused(rehash: PasswordRehash?)
        case failed(rehash: PasswordRehash?)
    }

    /// A stored hash to replace (only while it is still `previous`).
    struct PasswordRehash: Sendable {
        let userID: Int64
        let previous: String
        let new: String
    }

    func obtainPair(_ request: HTTPRequest) throws(APIError) {
        let fields = try data(of: request).charFields(["username", "password"])
        let (username, password) = (fields[0], fields[1])
        users.account(username: username) { [self] result in
            switch result {
            case .failure(let error):
                storeFailed(request, error)
            case .success(let account):
                let shared = self.shared
                let now = loop.now
                offload(request, { Self.checkLogin(password: password, account: account, shared: shared, now: now) }) {
                    [self] outcome in finishLogin(request, outcome)
                }
            }
        }
    }

    /// On a worker: Django's check_password with the configured hashers (a dummy hash of the
    /// same cost for unknown users and unusable or unreadable hashes, so timing does not reveal
    /// who exists), the rehash Django's must_update asks for, then, if granted, the token pair.
    /// Like Django's ModelBackend, an inactive user's password is still checked in full.
    static func checkLogin(password: String, account: LoginAccount?, shared: SharedState, now: Double) -> LoginOutcome {
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
        guard let pair = try? shared.authority.pair(userID: account.id, now: now) else { return .failed(rehash: rehash) }
        return .granted(refresh: pair.refresh, access: pair.access, userID: account.id, rehash: rehash)
    }

    func finishLogin(_ request: HTTPRequest, _ outcome: LoginOutcome) {
        let rehash: PasswordRehash?
        switch outcome {
        case .refused(let pending):
            rehash = pending
            send(request, .noActiveAccount)
        case .failed(let pending):
            rehash = pending
            send(request, .unavailable("Token signing failed, please retry."))
        case .granted(let refresh, let access, let userID, let pending):
            rehash = pending
            send(request, ["refresh": .string(refresh), "access": .string(access)])
            if settings.updateLastLogin {
                users.recordLogin(userID: userID)
            }
        }
        // Bookkeeping after the answer: the login does not wait for it, and a failure here only
        // means the next login does the same work again.
        if let rehash {
            users.upgradePasswordHash(userID: rehash.userID, from: rehash.previous, to: rehash.new)
        }
    }
}
