// What `authd user ...` does to the user table, for any user model: blocking, on a
// command-line session, never on a loop.
package import Postgres

/// Why a user command could not do what it was asked.
package struct UserAdministrationError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// The user commands' SQL, written for the model the catalog described.
package struct UserAdministration {
    package let model: UserModel
    let session: PostgresSession

    /// Reads the user model for `settings` through `session`.
    package init(_ settings: Settings, session: PostgresSession) throws {
        self.model = try UserModel.inspect(settings, session: session)
        self.session = session
    }

    private var users: String { quoted(model.table) }
    private var username: String { quoted(model.usernameField) }

    /// `UserManager.create_user`: the username normalised as Django does (NFKC; an email's domain
    /// lower-cased), every NOT NULL column without a default filled as Django's field defaults
    /// would (false, '', now, a new UUID). Returns the new user's id and stored username.
    package func create(username name: String, email: String, passwordHash: String, active: Bool) throws -> (id: String, username: String) {
        let normalized = try normalize(name)
        var columns: [String] = [model.usernameField, "password"]
        var values: [String] = ["$1", "$2"]
        var parameters: [String?] = [normalized, passwordHash]
        func add(_ column: String, _ value: String) {
            columns.append(column)
            values.append(value)
        }
        if model.hasIsActive {
            parameters.append(active ? "true" : "false")
            add("is_active", "$\(parameters.count)::boolean")
        } else if !active {
            throw UserAdministrationError("the user table \"\(model.table)\" has no is_active column: every user is active")
        }
        if model.usernameField != "email", model.requiredColumns.contains(where: { $0.name == "email" }) || !email.isEmpty {
            parameters.append(email)
            add("email", "$\(parameters.count)")
        }
        for column in model.requiredColumns where !columns.contains(column.name) {
            switch column.type {
            case "bool": add(column.name, "false")
            case "text", "varchar", "bpchar": add(column.name, "''")
            case "timestamptz", "timestamp", "date": add(column.name, "now()")
            case "uuid": add(column.name, "gen_random_uuid()")
            default:
                throw UserAdministrationError("cannot fill the user table's column \"\(column.name)\" (\(column.type), NOT NULL, no default)")
            }
        }
        let rows: PostgresRows
        do {
            rows = try session.execute(
                "INSERT INTO \(users) (\(columns.map(quoted).joined(separator: ", "))) VALUES (\(values.joined(separator: ", "))) "
                    + "RETURNING \(quoted(model.idField))::text",
                parameters)
        } catch {
            guard case .server(let state, _) = error, state == "23505" else { throw error }
            throw UserAdministrationError("a user with \(model.usernameField) \(normalized) already exists")
        }
        return (rows.first?[0] ?? "?", normalized)
    }

    /// Stores a new password hash for the user whose username is `name`.
    package func setPassword(username name: String, passwordHash: String) throws {
        try updateOne(name, "SET password = $2", passwordHash)
    }

    package func setActive(username name: String, _ active: Bool) throws {
        guard model.hasIsActive else {
            throw UserAdministrationError("the user table \"\(model.table)\" has no is_active column: every user is active")
        }
        try updateOne(name, "SET is_active = $2::boolean", active ? "true" : "false")
    }

    /// Logout everywhere: every token of the user issued before second `notBefore` is refused.
    package func revokeTokens(username name: String, notBefore: Int64) throws {
        let rows = try session.execute(
            """
            INSERT INTO authd_token_cutoff (user_id, not_before)
            SELECT \(quoted(model.idField))::text, to_timestamp($2::bigint) FROM \(users) WHERE \(username) = $1
            ON CONFLICT (user_id) DO UPDATE SET not_before = greatest(authd_token_cutoff.not_before, excluded.not_before)
            """, [name, String(notBefore)])
        guard rows.affectedRows == 1 else { throw UserAdministrationError("no user with \(model.usernameField) \(name)") }
    }

    private func updateOne(_ name: String, _ assignment: String, _ value: String) throws {
        let rows = try session.execute("UPDATE \(users) \(assignment) WHERE \(username) = $1", [name, value])
        guard rows.affectedRows == 1 else { throw UserAdministrationError("no user with \(model.usernameField) \(name)") }
    }

    /// Django's `normalize_username` (NFKC), and for an email field `normalize_email` (the
    /// domain lower-cased), done by PostgreSQL, whose Unicode tables match Python's closely.
    private func normalize(_ name: String) throws -> String {
        let rows = try session.execute("SELECT normalize($1, NFKC)", [name])
        var normalized = rows.first?[0] ?? name
        if model.usernameField == "email", let at = normalized.lastIndex(of: "@") {
            normalized = normalized[..<at] + normalized[at...].lowercased()
        }
        return normalized
    }
}
