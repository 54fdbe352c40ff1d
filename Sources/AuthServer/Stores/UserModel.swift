// The Django user model authd serves: the table and fields settings name, and what PostgreSQL's
// catalog says about them (key types, the primary key, whether is_active exists).
package import Postgres

/// The user table as authd reads and writes it. Built once, by `inspect`, before any statement
/// that names it is prepared.
package struct UserModel: Sendable, Equatable {
    /// AUTHD_USER_TABLE, AUTHD_USERNAME_FIELD, AUTHD_USER_ID_FIELD.
    package let table: String
    package let usernameField: String
    package let idField: String
    /// USER_ID_FIELD's SQL type as the catalog spells it (`integer`, `uuid`, `character varying(36)`),
    /// which every statement casts its id parameter to, so the column's index is used.
    package let idType: String
    package let idKind: UserIDKind
    /// The primary key, which simplejwt's outstanding-token table references (usually `id`, and
    /// usually USER_ID_FIELD too).
    package let primaryKey: String
    /// False for a model on AbstractBaseUser without the field: every user is then active.
    package let hasIsActive: Bool
    package let caseInsensitiveUsername: Bool
    /// AUTHD_TOKEN_CLAIMS: columns copied into every token at login.
    package let tokenClaims: [String]
    /// Columns an INSERT must fill (NOT NULL, no default), for `authd user create`.
    package let requiredColumns: [UserColumn]

    /// Django's `auth_user`, as authd's own schema creates it (tests and the in-memory store).
    package static let djangoDefault = UserModel(
        table: "auth_user", usernameField: "username", idField: "id", idType: "bigint", idKind: .integer(maximum: Int64.max),
        primaryKey: "id", hasIsActive: true, caseInsensitiveUsername: false, tokenClaims: [], requiredColumns: [])

    package init(
        table: String, usernameField: String, idField: String, idType: String, idKind: UserIDKind, primaryKey: String,
        hasIsActive: Bool, caseInsensitiveUsername: Bool, tokenClaims: [String] = [], requiredColumns: [UserColumn]
    ) {
        self.table = table
        self.usernameField = usernameField
        self.idField = idField
        self.idType = idType
        self.idKind = idKind
        self.primaryKey = primaryKey
        self.hasIsActive = hasIsActive
        self.caseInsensitiveUsername = caseInsensitiveUsername
        self.tokenClaims = tokenClaims
        self.requiredColumns = requiredColumns
    }
}

/// A column of the user table that an INSERT must give a value.
package struct UserColumn: Sendable, Equatable {
    package let name: String
    /// The catalog's base type name (`bool`, `varchar`, `timestamptz`, ...).
    package let type: String
}

/// Why the configured user model cannot be served. authd refuses to start with this message.
package struct UserModelError: Error, Sendable, Equatable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

extension UserModel {
    /// Reads the catalog for the table and fields `settings` name. Throws `UserModelError` for a
    /// schema authd cannot serve, and `PostgresError` when the database cannot be asked.
    package static func inspect(_ settings: Settings, session: PostgresSession) throws -> UserModel {
        let columns = try session.execute(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname,
                   a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '' AS required,
                   coalesce((SELECT i.indisprimary FROM pg_index i
                             WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)), false) AS primary_key
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [settings.userTable])
        let table = settings.userTable
        guard !columns.isEmpty else {
            throw UserModelError(
                "the user table \"\(table)\" (AUTHD_USER_TABLE) does not exist: run `authd migrate`, or Django's migrate for a custom user model")
        }
        struct Column { let name, type, baseType: String; let required, primaryKey: Bool }
        let byName = Dictionary(
            columns.map { row in
                (row[0] ?? "", Column(name: row[0] ?? "", type: row[1] ?? "", baseType: row[2] ?? "", required: row[3] == "t", primaryKey: row[4] == "t"))
            }, uniquingKeysWith: { first, _ in first })
        func column(_ name: String, _ setting: String) throws -> Column {
            guard let column = byName[name] else { throw UserModelError("the user table \"\(table)\" has no column \"\(name)\" (\(setting))") }
            return column
        }
        let id = try column(settings.userIDField, "AUTHD_USER_ID_FIELD")
        _ = try column(settings.usernameField, "AUTHD_USERNAME_FIELD")
        _ = try column("password", "Django's AbstractBaseUser field")
        if settings.updateLastLogin { _ = try column("last_login", "AUTHD_UPDATE_LAST_LOGIN") }
        for claim in settings.tokenClaims { _ = try column(claim, "AUTHD_TOKEN_CLAIMS") }
        let kind: UserIDKind
        switch id.baseType {
        case "int2": kind = .integer(maximum: Int64(Int16.max))
        case "int4": kind = .integer(maximum: Int64(Int32.max))
        case "int8": kind = .integer(maximum: Int64.max)
        case "uuid": kind = .uuid
        case "text", "varchar", "bpchar": kind = .text
        default: throw UserModelError("AUTHD_USER_ID_FIELD \"\(id.name)\" is of type \(id.type): expected an integer, uuid or text column")
        }
        let primaryKeys = byName.values.filter(\.primaryKey)
        guard primaryKeys.count == 1, let primaryKey = primaryKeys.first else {
            throw UserModelError("the user table \"\(table)\" needs a single-column primary key, as every Django model has")
        }
        return UserModel(
            table: table, usernameField: settings.usernameField, idField: id.name, idType: id.type, idKind: kind,
            primaryKey: primaryKey.name, hasIsActive: byName["is_active"] != nil, caseInsensitiveUsername: settings.usernameCaseInsensitive,
            tokenClaims: settings.tokenClaims, requiredColumns: columns.compactMap { row in
                let column = byName[row[0] ?? ""]
                return column.flatMap { $0.required ? UserColumn(name: $0.name, type: $0.baseType) : nil }
            })
    }
}

/// `text` as an SQL string literal.
func literal(_ text: String) -> String {
    "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
}

/// `name` as an SQL identifier: quoted, so any table or column name Django made works.
func quoted(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}
