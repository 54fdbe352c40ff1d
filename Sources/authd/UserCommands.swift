// `authd user ...`: create users and change their password or activity.
import ArgumentParser
import Glibc
import AuthServer
import Passwords
import Postgres

struct User: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage users (DATABASE_URL; passwords from a prompt or standard input).",
        subcommands: [Create.self, SetPassword.self, Deactivate.self, Activate.self, RevokeTokens.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @Argument var username: String
        @Option var email = ""
        @Flag(help: "Create the user inactive.") var inactive = false
        @Option(help: "PBKDF2 iterations, when the preferred hasher is PBKDF2 (default AUTHD_HASH_ITERATIONS or 1000000).") var iterations: Int?

        func run() throws {
            try reportingFailures {
                let password = try readPassword(prompt: "Password for \(username): ")
                let hash = try hashers(iterations).make(password)
                try withUsers { users in
                    let created = try users.create(username: username, email: email, passwordHash: hash, active: !inactive)
                    print("created user \(created.username) with id \(created.id)")
                }
            }
        }
    }

    struct SetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password.")
        @Argument var username: String
        @Option(help: "PBKDF2 iterations, when the preferred hasher is PBKDF2 (default AUTHD_HASH_ITERATIONS or 1000000).") var iterations: Int?

        func run() throws {
            try reportingFailures {
                let password = try readPassword(prompt: "New password for \(username): ")
                let hash = try hashers(iterations).make(password)
                try withUsers { try $0.setPassword(username: username, passwordHash: hash) }
                print("password set for \(username)")
            }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a user's logins and tokens from now on.")
        @Argument var username: String

        func run() throws {
            try setActive(username, false)
        }
    }

    struct RevokeTokens: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-tokens", abstract: "Log a user out everywhere: refuse every token issued before now.")
        @Argument var username: String

        func run() throws {
            try reportingFailures {
                // This host's clock, in whole seconds as tokens' iat are (the same rule as
                // POST /api/token/revoke-all/); the cut-off never moves back.
                try withUsers { try $0.revokeTokens(username: username, notBefore: Int64(time(nil))) }
                print("revoked every token of \(username) issued before now")
            }
        }
    }

    struct Activate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a deactivated user log in again.")
        @Argument var username: String

        func run() throws {
            try setActive(username, true)
        }
    }
}

private func setActive(_ username: String, _ active: Bool) throws {
    try reportingFailures {
        try withUsers { try $0.setActive(username: username, active) }
        print("\(active ? "activated" : "deactivated") \(username)")
    }
}

/// The server's hashers (AUTHD_PASSWORD_HASHERS, AUTHD_HASH_ITERATIONS): a new password gets
/// the hash a login would upgrade it to, made by the preferred one.
private func hashers(_ iterations: Int?) throws -> PasswordHashers {
    let environment = currentEnvironment()
    var algorithms = HasherAlgorithm.djangoDefault
    if let value = environment["AUTHD_PASSWORD_HASHERS"] {
        do { algorithms = try Settings.parsePasswordHashers(value) } catch { throw CommandFailure(error.description) }
    }
    let configured = iterations ?? environment["AUTHD_HASH_ITERATIONS"].flatMap { Int($0) } ?? PBKDF2Hasher.defaultIterations
    guard configured >= 1 && configured <= PBKDF2Hasher.maximumIterations else {
        throw CommandFailure("PBKDF2 iterations must be from 1 to \(PBKDF2Hasher.maximumIterations)")
    }
    return PasswordHashers(algorithms, pbkdf2Iterations: configured)
}

/// Runs `body` on the user model the settings (AUTHD_USER_TABLE, ...) name.
private func withUsers(_ body: (UserAdministration) throws -> Void) throws {
    let settings = try Settings.fromEnvironment(currentEnvironment(), readFile: { _ in [] })
    let session = try openDatabase()
    defer { session.close() }
    try body(try UserAdministration(settings, session: session))
}
