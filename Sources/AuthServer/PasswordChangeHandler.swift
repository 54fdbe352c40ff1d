// POST /api/users/me/password/: the caller's old and new password. The new one is hashed off the
// loop, every token issued before is revoked (every other session), and the caller gets a new
// pair: the session that changed the password goes on.
import EventLoop
import JSON
import JWT
import Passwords

extension AuthService {
    /// Django's PasswordChangeForm's answer to a wrong old password.
    static let wrongOldPassword = APIError.fields([("old_password", ["Your old password was entered incorrectly. Please enter it again."])])

    /// What the worker decided about a password change.
    enum PasswordChangeOutcome: Sendable {
        case changed(newHash: String, refresh: TokenAuthority.Signed, access: String)
        case refused(APIError)
        case failed
    }

    func changePassword(_ request: HTTPRequest) throws(APIError) {
        // DRF authenticates before the view reads its body.
        try authenticate(request) { [self] caller in
            let oldPassword: String, newPassword: String
            do throws(APIError) {
                let fields = try data(of: request).charFields(["old_password", "new_password"])
                (oldPassword, newPassword) = (fields[0], fields[1])
                if let problems = PasswordRules(minimumLength: settings.passwordMinimumLength).problems(newPassword) {
                    throw APIError.fields([("new_password", problems)])
                }
            } catch {
                send(request, error)
                return
            }
            users.credentials(id: caller.id) { [self] result in
                switch result {
                case .failure(let error):
                    storeFailed(request, error)
                case .success(nil):
                    send(request, .userNotFound)
                case .success(let account?):
                    let shared = self.shared
                    let now = loop.now
                    offload(request, { Self.checkPasswordChange(oldPassword, newPassword, account: account, shared: shared, now: now) }) {
                        [self] outcome in finishPasswordChange(request, account, outcome, issuedAt: now)
                    }
                }
            }
        }
    }

    /// On a worker: the old password checked as a login checks it, the new one hashed with the
    /// preferred hasher, and the new pair signed with the new hash (its revoke-token claim).
    static func checkPasswordChange(
        _ oldPassword: String, _ newPassword: String, account: LoginAccount, shared: SharedState, now: Double
    ) -> PasswordChangeOutcome {
        guard shared.hashers.check(oldPassword, against: account.passwordHash).matched else {
            return .refused(wrongOldPassword)
        }
        guard let newHash = try? shared.hashers.make(newPassword),
            let (refresh, access) = try? shared.authority.pair(
                for: TokenSubject(id: account.id, passwordHash: newHash, claims: account.claims), now: now)
        else { return .failed }
        return .changed(newHash: newHash, refresh: refresh, access: access)
    }

    /// `issuedAt`: when the new pair was signed; tokens issued before that second are revoked.
    func finishPasswordChange(_ request: HTTPRequest, _ account: LoginAccount, _ outcome: PasswordChangeOutcome, issuedAt: Double) {
        switch outcome {
        case .refused(let error):
            send(request, error)
        case .failed:
            send(request, .unavailable("Password hashing failed, please retry."))
        case .changed(let newHash, let refresh, let access):
            let change = PasswordChange(userID: account.id, previousHash: account.passwordHash, newHash: newHash, notBefore: Int64(issuedAt))
            users.changePassword(change) { [self] result in
                switch result {
                case .failure(let error):
                    storeFailed(request, error)
                case .success(false):
                    // The password changed meanwhile: the old one checked no longer is the old one.
                    send(request, Self.wrongOldPassword)
                case .success(true):
                    revocations.recordIssued(record(refresh, owner: .id(account.id)), parent: nil, origin: sessionOrigin(request), at: issuedAt) { [self] result in
                        switch result {
                        case .failure(let error): storeFailed(request, error)
                        case .success:
                            send(
                                request, refreshAnswerBody(["refresh": .string(refresh.token), "access": .string(access)]),
                                headers: settingRefreshCookie(refresh.token))
                        }
                    }
                }
            }
        }
    }
}

/// Django's default AUTH_PASSWORD_VALIDATORS that need no data: MinimumLengthValidator and
/// NumericPasswordValidator, with their messages.
struct PasswordRules {
    let minimumLength: Int

    /// The messages for `password`, nil when it passes.
    func problems(_ password: String) -> [String]? {
        var problems: [String] = []
        if password.count < minimumLength {
            problems.append(
                "This password is too short. It must contain at least \(minimumLength) character\(minimumLength == 1 ? "" : "s").")
        }
        if !password.isEmpty && password.allSatisfy(\.isNumber) { problems.append("This password is entirely numeric.") }
        return problems.isEmpty ? nil : problems
    }
}
