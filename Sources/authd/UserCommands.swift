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
                let session = try openDatabase()
                defer { session.close() }
                do {
                    let rows = try session.execute(
                        "INSERT INTO auth_user (username, password, email, is_active) VALUES ($1, $2, $3, $4) RETURNING id",
                        [username, hash, email, inactive ? "false" : "true"])
                    print("created user \(username) with id \(rows.first?[0] ?? "?")")
                } catch PostgresError.server(let state, _) where state == "23505" {
                    throw CommandFailure("a user named \(username) already exists")
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
                try updateUser(username, "UPDATE auth_user SET password = $2 WHERE username = $1", hash)
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
                let session = try openDatabase()
                defer { session.close() }
                // This host's clock, in whole seconds as tokens' iat are (the same rule as
                // POST /api/token/revoke-all/); the cut-off never moves back.
                let rows = try session.execute(
                    """
                    INSERT INTO authd_token_cutoff (user_id, not_before)
                    SELECT id, to_timestamp($2::bigint) FROM auth_user WHERE username = $1
                    ON CONFLICT (user_id) DO UPDATE SET not_before = greatest(authd_token_cutoff.not_before, excluded.not_before)
                    """, [username, String(time(nil))])
                guard rows.affectedRows == 1 else { throw CommandFailure("no user named \(username)") }
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
        try updateUser(username, "UPDATE auth_user SET is_active = $2 WHERE username = $1", active ? "true" : "false")
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

private func updateUser(_ username: String, _ sql: String, _ value: String) throws {
    let session = try openDatabase()
    defer { session.close() }
    let rows = try session.execute(sql, [username, value])
    guard rows.affectedRows == 1 else { throw CommandFailure("no user named \(username)") }
}
