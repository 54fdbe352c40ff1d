// The SQL authd runs while serving: one prepared statement per question, one round trip each,
// each beside the types of its parameters and its answer. Written for the user model the
// catalog described (table, fields, key type), and simplejwt's blacklist tables.
import JSON
import Postgres

/// Prepared on every connection right after it connects. Each request needs at most one of them
/// before it is answered. Only the plain SELECTs are `readOnly` (they share pipeline batches);
/// every write gets its own sync point, so it commits or fails on its own.
struct PostgresStatements {
    let accountByUsername: TypedStatement<String, LoginAccount?>
    let userByID: TypedStatement<(id: UserID, blacklistedJTI: String?), User?>
    let refreshStatus: TypedStatement<(jti: String, ownerID: UserID?), RefreshStatus>
    let rotate: TypedStatement<Rotation, RefreshStatus>
    let recordIssued: TypedStatement<(token: TokenRecord, parent: String?, origin: SessionOrigin?, issuedAt: Double), Void>
    let sessions: TypedStatement<UserID, [Session]>
    let endSession: TypedStatement<(userID: UserID, session: String), Bool>
    let isRevoked: TypedStatement<String, Bool>
    let revoke: TypedStatement<TokenRecord, Bool>
    let recordLogin: TypedStatement<UserID, Void>
    let upgradePasswordHash: TypedStatement<(userID: UserID, previousHash: String, newHash: String), Void>
    let revokeAllTokens: TypedStatement<(userID: UserID, notBefore: Int64), Void>
    let credentialsByID: TypedStatement<UserID, LoginAccount?>
    let changePassword: TypedStatement<PasswordChange, Bool>

    var all: [PreparedStatement] {
        [
            accountByUsername.prepared, userByID.prepared, refreshStatus.prepared, rotate.prepared, recordIssued.prepared,
            isRevoked.prepared, revoke.prepared, recordLogin.prepared, upgradePasswordHash.prepared, revokeAllTokens.prepared,
            credentialsByID.prepared, changePassword.prepared, sessions.prepared, endSession.prepared,
        ]
    }

    /// `checkRevokeToken`: the protected route also reads the stored hash's MD5 (CHECK_REVOKE_TOKEN).
    init(model: UserModel, checkRevokeToken: Bool = false) {
        let users = quoted(model.table)
        let id = quoted(model.idField)
        let username = quoted(model.usernameField)
        /// The id parameter `n`, as the id column's type: the comparison uses its index.
        func idParameter(_ n: Int) -> String { "$\(n)::\(model.idType)" }
        /// The user whose id is parameter `n`.
        func userWhere(_ n: Int) -> String { "FROM \(users) WHERE \(id) = \(idParameter(n))" }
        let isActive = model.hasIsActive ? quoted("is_active") : "true"
        let integerIDs = if case .integer = model.idKind { true } else { false }
        let userID: @Sendable (PostgresRow) throws(PostgresError) -> UserID = { row throws(PostgresError) in
            UserID(text: try row.required("id", row.text), isInteger: integerIDs)
        }
        // The logout-everywhere cut-off of the user whose id is parameter `n`.
        func cutoff(_ n: Int) -> String {
            "(SELECT extract(epoch FROM not_before)::bigint FROM authd_token_cutoff WHERE user_id = (\(idParameter(n)))::text)"
        }
        // simplejwt's `check_blacklist`: a blacklisted row for the outstanding token with this jti.
        func blacklisted(_ jti: String) -> String {
            """
            EXISTS (SELECT 1 FROM token_blacklist_blacklistedtoken b JOIN token_blacklist_outstandingtoken o ON o.id = b.token_id
                    WHERE o.jti = \(jti))
            """
        }
        // An outstanding-token row (simplejwt's OutstandingToken) for the token whose jti, exp and
        // text are the parameters named, owned by the user whose id is $1 (none when absent, as
        // simplejwt's `user = None`); `rest` is the WHERE, ON CONFLICT and RETURNING clauses.
        func insertOutstanding(jti: String, exp: String, token: String, createdAt: String = "now()", _ rest: String) -> String {
            """
            INSERT INTO token_blacklist_outstandingtoken (user_id, jti, token, created_at, expires_at)
                SELECT (SELECT \(quoted(model.primaryKey)) \(userWhere(1))), \(jti), \(token), \(createdAt),
                       to_timestamp(\(exp)::double precision)
                \(rest)
            """
        }
        // simplejwt's `OutstandingToken.objects.get_or_create(jti=...)` as one expression that
        // yields the row's id whether it was there or not: DO UPDATE (of nothing) returns the
        // existing row, and locks it, where DO NOTHING would return none.
        // Parameters: $1 owner, $2 jti, $3 exp, $4 token; created now, as simplejwt's `blacklist()`.
        func outstanding(_ condition: String = "") -> String {
            insertOutstanding(jti: "$2", exp: "$3", token: "$4", "\(condition) ON CONFLICT (jti) DO UPDATE SET jti = excluded.jti RETURNING id")
        }
        let record: @Sendable (TokenRecord) -> [String?] = { token in
            [token.userID?.text, token.jti, String(token.expiresAt), token.token]
        }

        // AUTHD_TOKEN_CLAIMS, as JSON: the column types become JSON's (text, numbers, booleans).
        let claimColumns =
            model.tokenClaims.isEmpty
            ? "" : ", json_build_object(\(model.tokenClaims.map { "\(literal($0)), \(quoted($0))" }.joined(separator: ", ")))::text AS claims"
        let hasClaims = !model.tokenClaims.isEmpty
        let usernameMatch = model.caseInsensitiveUsername ? "upper(\(username)::text) = upper($1)" : "\(username) = $1"
        let account: @Sendable (PostgresRows) throws(PostgresError) -> LoginAccount? = { rows throws(PostgresError) in
                guard rows.count == 1, let row = rows.row(0) else { return nil }
                var claims = JSONObject()
                if hasClaims, let text = try row.text("claims") {
                    guard case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) else {
                        throw .unexpectedResult("json_build_object gave no JSON object")
                    }
                    claims = object
                }
                return LoginAccount(
                    id: try userID(row), passwordHash: try row.required("password", row.text), isActive: try row.required("is_active", row.bool),
                    claims: claims)
        }
        let accountColumns = "\(id)::text AS id, password, \(isActive) AS is_active\(claimColumns)"
        accountByUsername = TypedStatement(
            PreparedStatement(
                name: "account_by_username",
                // Two rows at most: a case-insensitive match of two users logs neither in.
                sql: "SELECT \(accountColumns) FROM \(users) WHERE \(usernameMatch) LIMIT 2", readOnly: true),
            encode: { [$0] }, decode: account)

        credentialsByID = TypedStatement(
            PreparedStatement(name: "credentials_by_id", sql: "SELECT \(accountColumns) \(userWhere(1))", readOnly: true),
            encode: { [$0.text] }, decode: account)

        // The new hash (only over the one the old password was checked against), every refresh
        // token of the user blacklisted where Django sees it too, and the cut-off for the rest.
        changePassword = TypedStatement(
            PreparedStatement(
                name: "change_password",
                sql: """
                    WITH changed AS (
                             UPDATE \(users) SET password = $3 WHERE \(id) = \(idParameter(1)) AND password = $2
                             RETURNING \(quoted(model.primaryKey)) AS pk),
                         revoked AS (
                             INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
                             SELECT o.id, now() FROM token_blacklist_outstandingtoken o JOIN changed c ON o.user_id = c.pk
                             WHERE o.expires_at > now()
                             ON CONFLICT (token_id) DO NOTHING
                             RETURNING 1),
                         cutoff AS (
                             INSERT INTO authd_token_cutoff (user_id, not_before)
                             SELECT (\(idParameter(1)))::text, to_timestamp($4::bigint) FROM changed
                             ON CONFLICT (user_id) DO UPDATE SET not_before = greatest(authd_token_cutoff.not_before, excluded.not_before)
                             RETURNING 1)
                    SELECT EXISTS (SELECT 1 FROM changed) AS changed
                    """),
            encode: { [$0.userID.text, $0.previousHash, $0.newHash, String($0.notBefore)] },
            decode: Self.flag("changed"))

        userByID = TypedStatement(
            PreparedStatement(
                name: "user_by_id",
                sql: """
                    SELECT \(id)::text AS id, \(username)::text AS username, \(isActive) AS is_active, \(cutoff(1)) AS tokens_not_before,
                           \(checkRevokeToken ? "upper(md5(password))" : "NULL") AS password_md5,
                           $2::text IS NOT NULL AND \(blacklisted("$2")) AS token_blacklisted
                    \(userWhere(1))
                    """,
                readOnly: true),
            encode: { [$0.id.text, $0.blacklistedJTI] },
            decode: { rows throws(PostgresError) in
                guard let row = rows.row(0) else { return nil }
                return User(
                    id: try userID(row), username: try row.required("username", row.text), isActive: try row.required("is_active", row.bool),
                    tokensNotBefore: try row.int64("tokens_not_before"), passwordMD5: try row.text("password_md5"),
                    tokenBlacklisted: try row.required("token_blacklisted", row.bool))
            })

        refreshStatus = TypedStatement(
            PreparedStatement(
                name: "refresh_status",
                sql: """
                    SELECT (SELECT \(isActive) \(userWhere(1))) AS owner_active, \(blacklisted("$2")) AS revoked_before,
                           \(cutoff(1)) AS tokens_not_before
                    """,
                readOnly: true),
            encode: { [$0.ownerID?.text, $0.jti] },
            decode: { rows throws(PostgresError) in
                let row = try Self.singleRow(rows)
                return RefreshStatus(
                    ownerActive: try row.bool("owner_active"), revokedBefore: try row.required("revoked_before", row.bool), revokedNow: false,
                    ownerTokensNotBefore: try row.int64("tokens_not_before"))
            })

        // Blacklist-after-rotation, atomically, in one round trip: blacklist the presented token
        // if its owner is active (or it names none) and record its successor, already signed,
        // in its family. Two concurrent rotations of one token cannot both win: the second
        // blacklist insert conflicts (simplejwt's race, closed). A token that was rotated before
        // is reuse: within the reuse interval its successor is handed out again (a client that
        // lost the answer retries); otherwise every token of its family is blacklisted, the
        // thief's and the victim's alike.
        // Parameters: $1 owner, $2 jti, $3 exp, $4 token; $5, $6, $7 the successor's jti, exp
        // and token; $8 the reuse interval in seconds.
        rotate = TypedStatement(
            PreparedStatement(
                name: "rotate",
                sql: """
                    WITH account AS (SELECT \(isActive) AS is_active \(userWhere(1))),
                         outstanding AS (
                             \(outstanding("WHERE \(idParameter(1)) IS NULL OR coalesce((SELECT is_active FROM account), false)"))),
                         revoked AS (
                             INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
                             SELECT id, now() FROM outstanding
                             ON CONFLICT (token_id) DO NOTHING
                             RETURNING 1),
                         parent AS (SELECT family, successor, rotated_at FROM authd_token_family WHERE jti = $2),
                         successor AS (
                             \(insertOutstanding(jti: "$5", exp: "$6", token: "$7", "WHERE EXISTS (SELECT 1 FROM revoked) RETURNING 1"))),
                         linked AS (
                             INSERT INTO authd_token_family (jti, family, successor, rotated_at, expires_at)
                             SELECT $2, coalesce((SELECT family FROM parent), $2), $5, now(), to_timestamp($3::double precision)
                             WHERE EXISTS (SELECT 1 FROM revoked)
                             ON CONFLICT (jti) DO UPDATE SET successor = excluded.successor, rotated_at = excluded.rotated_at
                             RETURNING family),
                         joined AS (
                             INSERT INTO authd_token_family (jti, family, expires_at)
                             SELECT $5, family, to_timestamp($6::double precision) FROM linked
                             RETURNING 1),
                         retry AS (
                             SELECT o.token FROM parent p JOIN token_blacklist_outstandingtoken o ON o.jti = p.successor
                             WHERE NOT EXISTS (SELECT 1 FROM revoked) AND $8::double precision > 0
                               AND p.rotated_at > now() - make_interval(secs => $8::double precision)
                               AND NOT EXISTS (SELECT 1 FROM token_blacklist_blacklistedtoken b WHERE b.token_id = o.id)),
                         reused AS (
                             SELECT p.family FROM parent p
                             WHERE p.successor IS NOT NULL AND NOT EXISTS (SELECT 1 FROM revoked) AND NOT EXISTS (SELECT 1 FROM retry)),
                         family_revoked AS (
                             INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
                             SELECT o.id, now() FROM reused r
                             JOIN authd_token_family f ON f.family = r.family
                             JOIN token_blacklist_outstandingtoken o ON o.jti = f.jti
                             ON CONFLICT (token_id) DO NOTHING
                             RETURNING 1)
                    SELECT (SELECT is_active FROM account) AS owner_active,
                           EXISTS (SELECT 1 FROM revoked) AS revoked_now,
                           \(blacklisted("$2")) AS revoked_before,
                           (SELECT token FROM retry) AS retry_token,
                           EXISTS (SELECT 1 FROM reused) AS reused,
                           (SELECT count(*) FROM family_revoked) AS family_revoked,
                           \(cutoff(1)) AS tokens_not_before
                    """),
            encode: { [$0.token.userID?.text, $0.token.jti, String($0.token.expiresAt), $0.token.token,
                       $0.successor.jti, String($0.successor.expiresAt), $0.successor.token, String($0.reuseInterval)] },
            decode: { rows throws(PostgresError) in
                let row = try Self.singleRow(rows)
                return RefreshStatus(
                    ownerActive: try row.bool("owner_active"), revokedBefore: try row.required("revoked_before", row.bool),
                    revokedNow: try row.required("revoked_now", row.bool), ownerTokensNotBefore: try row.int64("tokens_not_before"),
                    retryToken: try row.text("retry_token"), reused: try row.required("reused", row.bool))
            })

        // A token just issued (login, password change, or rotation without blacklisting): its
        // outstanding row and its place in a family: its parent's ($6), or a new one it starts,
        // which is a new session (with the client's address $7 and user agent $8).
        recordIssued = TypedStatement(
            PreparedStatement(
                name: "record_issued",
                sql: """
                    WITH outstanding AS (
                             \(insertOutstanding(
                                 jti: "$2", exp: "$3", token: "$4", createdAt: "to_timestamp($5::double precision)",
                                 "ON CONFLICT (jti) DO NOTHING RETURNING 1"))),
                         parent AS (
                             UPDATE authd_token_family SET successor = $2, rotated_at = now() WHERE jti = $6::varchar RETURNING family),
                         session AS (
                             INSERT INTO authd_session (family, user_id, created_at, address, user_agent)
                             SELECT $2, (\(idParameter(1)))::text, to_timestamp($5::double precision), $7, $8
                             WHERE $6::varchar IS NULL AND \(idParameter(1)) IS NOT NULL
                             ON CONFLICT (family) DO NOTHING
                             RETURNING 1)
                    INSERT INTO authd_token_family (jti, family, expires_at)
                    VALUES ($2, coalesce((SELECT family FROM parent), $6::varchar, $2), to_timestamp($3::double precision))
                    ON CONFLICT (jti) DO NOTHING
                    """),
            encode: { record($0.token) + [String($0.issuedAt), $0.parent, $0.origin?.address, $0.origin?.userAgent] }, decode: { _ in })

        // GET /api/sessions/: the user's live families, newest first. Live: some token of the
        // family is neither blacklisted nor expired, and was issued after any logout everywhere.
        sessions = TypedStatement(
            PreparedStatement(
                name: "sessions",
                sql: """
                    SELECT s.family,
                           to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created,
                           to_char(greatest(s.created_at, (SELECT max(r.rotated_at) FROM authd_token_family r WHERE r.family = s.family))
                                   AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_used,
                           s.address, s.user_agent
                    FROM authd_session s
                    JOIN authd_token_family f ON f.family = s.family
                    JOIN token_blacklist_outstandingtoken o ON o.jti = f.jti
                    WHERE s.user_id = $1 AND o.expires_at > now()
                      AND NOT EXISTS (SELECT 1 FROM token_blacklist_blacklistedtoken b WHERE b.token_id = o.id)
                      AND o.created_at >= coalesce((SELECT not_before FROM authd_token_cutoff c WHERE c.user_id = $1), '-infinity')
                    GROUP BY s.family, s.created_at, s.address, s.user_agent
                    ORDER BY s.created_at DESC, s.family
                    LIMIT 1000
                    """,
                readOnly: true),
            encode: { [$0.text] },
            decode: { rows throws(PostgresError) in
                var sessions: [Session] = []
                for index in 0..<rows.count {
                    guard let row = rows.row(index) else { continue }
                    sessions.append(
                        Session(
                            id: try row.required("family", row.text), created: try row.required("created", row.text),
                            lastUsed: try row.required("last_used", row.text), address: try row.text("address"),
                            userAgent: try row.text("user_agent")))
                }
                return sessions
            })

        // DELETE /api/sessions/{id}/: every token of the family blacklisted, if it is the user's.
        endSession = TypedStatement(
            PreparedStatement(
                name: "end_session",
                sql: """
                    WITH owned AS (SELECT family FROM authd_session WHERE family = $2 AND user_id = $1),
                         revoked AS (
                             INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
                             SELECT o.id, now() FROM owned
                             JOIN authd_token_family f ON f.family = owned.family
                             JOIN token_blacklist_outstandingtoken o ON o.jti = f.jti
                             ON CONFLICT (token_id) DO NOTHING
                             RETURNING 1)
                    SELECT EXISTS (SELECT 1 FROM owned) AS found
                    """),
            encode: { [$0.userID.text, $0.session] },
            decode: Self.flag("found"))

        // /api/token/verify/ when revocations are consulted.
        isRevoked = TypedStatement(
            PreparedStatement(name: "is_revoked", sql: "SELECT \(blacklisted("$1")) AS revoked", readOnly: true),
            encode: { [$0] },
            decode: Self.flag("revoked"))

        // /api/token/blacklist/, as simplejwt's `blacklist()`: the outstanding row (made if
        // missing), then its blacklisted row. True when newly revoked, false when it already was.
        revoke = TypedStatement(
            PreparedStatement(
                name: "revoke",
                sql: """
                    WITH outstanding AS (\(outstanding()))
                    INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
                    SELECT id, now() FROM outstanding
                    ON CONFLICT (token_id) DO NOTHING RETURNING 1
                    """),
            encode: record,
            decode: { rows in rows.count == 1 })

        recordLogin = TypedStatement(
            PreparedStatement(name: "record_login", sql: "UPDATE \(users) SET last_login = now() WHERE \(id) = \(idParameter(1))"),
            encode: { [$0.text] }, decode: { _ in })

        // After a login whose hash Django would update: store the new hash, unless the password
        // changed meanwhile.
        upgradePasswordHash = TypedStatement(
            PreparedStatement(
                name: "upgrade_password_hash", sql: "UPDATE \(users) SET password = $2 WHERE \(id) = \(idParameter(1)) AND password = $3"),
            encode: { [$0.userID.text, $0.newHash, $0.previousHash] }, decode: { _ in })

        // Logout everywhere: the user's cut-off moves to `notBefore`, never back.
        revokeAllTokens = TypedStatement(
            PreparedStatement(
                name: "revoke_all_tokens",
                sql: """
                    INSERT INTO authd_token_cutoff (user_id, not_before) VALUES ((\(idParameter(1)))::text, to_timestamp($2::bigint))
                    ON CONFLICT (user_id) DO UPDATE SET not_before = greatest(authd_token_cutoff.not_before, excluded.not_before)
                    """),
            encode: { [$0.userID.text, String($0.notBefore)] }, decode: { _ in })
    }

    /// The boolean column `column` of a scalar SELECT's one row.
    private static func flag(_ column: String) -> @Sendable (PostgresRows) throws(PostgresError) -> Bool {
        { rows throws(PostgresError) in
            let row = try singleRow(rows)
            return try row.required(column, row.bool)
        }
    }

    /// The one row a scalar SELECT returns.
    private static func singleRow(_ rows: PostgresRows) throws(PostgresError) -> PostgresRow {
        guard rows.count == 1, let row = rows.row(0) else { throw .unexpectedResult("expected one row, got \(rows.count)") }
        return row
    }
}
