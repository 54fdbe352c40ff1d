// POST /api/token/: username (USERNAME_FIELD) and password for a refresh and access token pair.
import EventLoop
import JSON
import JWT
import Passwords

extension AuthService {
    /// What the worker decided about a login.
    enum LoginOutcome: Sendable {
        case granted(refresh: TokenAuthority.Signed, access: String, userID: UserID, upgradedHash: String?, previousHash: String)
        case refused
        case failed
    }

    func obtainPair(_ request: HTTPRequest) throws(APIError) {
        // DRF's TokenObtainSerializer names the field after USERNAME_FIELD (`email`, say).
        let fields = try data(of: request).charFields([settings.usernameField, "password"])
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

    /// On a worker: the PBKDF2 check (a dummy one of the same cost for unknown users and
    /// unusable hashes, so timing does not reveal who exists), then, if granted, the token pair
    /// and any hash upgrade.
    /// Like Django's ModelBackend, an inactive user's password is still checked in full.
    static func checkLogin(password: String, account: LoginAccount?, shared: SharedState, now: Double) -> LoginOutcome {
        guard let account else {
            shared.hasher.performDummyVerification(password)
            return .refused
        }
        guard shared.hasher.check(password, against: account.passwordHash), account.isActive else { return .refused }
        var upgraded: String? = nil
        if (try? shared.hasher.needsUpgrade(account.passwordHash)) == true {
            upgraded = try? shared.hasher.hash(password)
        }
        guard let pair = try? shared.authority.pair(userID: account.id, now: now) else { return .failed }
        return .granted(
            refresh: pair.refresh, access: pair.access, userID: account.id, upgradedHash: upgraded, previousHash: account.passwordHash)
    }

    func finishLogin(_ request: HTTPRequest, _ outcome: LoginOutcome) {
        switch outcome {
        case .refused:
            send(request, .noActiveAccount)
        case .failed:
            send(request, .unavailable("Token signing failed, please retry."))
        case .granted(let refresh, let access, let userID, let upgradedHash, let previousHash):
            // simplejwt's for_user records the refresh token as outstanding before answering.
            revocations.recordIssued(TokenRecord(refresh, owner: .id(userID)), at: loop.now) { [self] result in
                switch result {
                case .failure(let error): storeFailed(request, error)
                case .success: send(request, ["refresh": .string(refresh.token), "access": .string(access)])
                }
            }
            // Bookkeeping after the answer: the login does not wait for it, and a failure
            // here only means the next login does the same work again.
            if let upgradedHash {
                users.upgradePasswordHash(userID: userID, from: previousHash, to: upgradedHash)
            }
            if settings.updateLastLogin {
                users.recordLogin(userID: userID)
            }
        }
    }
}
