// The SQL authd runs while serving: one prepared statement per question, one round trip each,
// each beside the types of its parameters and its answer.
import Postgres

/// Prepared on every connection right after it connects. Each request needs at most one of them.
/// Only the plain SELECTs are `readOnly` (they share pipeline batches); every write gets its own
/// sync point, so it commits or fails on its own.
enum PostgresStatements {
    /// Login: the user's id, stored hash and activity, by exact username.
    static let accountByUsername = TypedStatement<String, LoginAccount?>(
        PreparedStatement(
            name: "account_by_username", sql: "SELECT id, password, is_active FROM auth_user WHERE username = $1", readOnly: true),
        encode: { [$0] },
        decode: { rows throws(PostgresError) in
            guard let row = rows.row(0) else { return nil }
            return LoginAccount(
                id: try row.required("id", row.int64), passwordHash: try row.required("password", row.text),
                isActive: try row.required("is_active", row.bool))
        })

    /// Protected route: the user behind an access token, and their logout-everywhere cut-off.
    static let userByID = TypedStatement<Int64, User?>(
        PreparedStatement(
            name: "user_by_id",
            sql: """
                SELECT id, username, is_active,
                       (SELECT extract(epoch FROM not_before)::bigint FROM authd_token_cutoff WHERE user_id = $1::bigint)
                           AS tokens_not_before
                FROM auth_user WHERE id = $1::bigint
                """,
            readOnly: true),
        encode: { [String($0)] },
        decode: { rows throws(PostgresError) in
            guard let row = rows.row(0) else { return nil }
            return User(
                id: try row.required("id", row.int64), username: try row.required("username", row.text),
                isActive: try row.required("is_active", row.bool), tokensNotBefore: try row.int64("tokens_not_before"))
        })

    /// Refresh without rotation-revocation: is the owner active (NULL when absent or no
    /// user_id), and is the token revoked.
    static let refreshStatus = TypedStatement<(jti: String, ownerID: Int64?), RefreshStatus>(
        PreparedStatement(
            name: "refresh_status",
            sql: """
                SELECT (SELECT is_active FROM auth_user WHERE id = $1::bigint) AS owner_active,
                       EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $2) AS revoked_before,
                       (SELECT extract(epoch FROM not_before)::bigint FROM authd_token_cutoff WHERE user_id = $1::bigint)
                           AS tokens_not_before
                """,
            readOnly: true),
        encode: { [$0.ownerID.map { String($0) }, $0.jti] },
        decode: { rows throws(PostgresError) in
            let row = try singleRow(rows)
            return RefreshStatus(
                ownerActive: try row.bool("owner_active"), revokedBefore: try row.required("revoked_before", row.bool), revokedNow: false,
                ownerTokensNotBefore: try row.int64("tokens_not_before"))
        })

    /// Refresh with blacklist-after-rotation, atomically: revoke the presented token if its owner
    /// is active (or it names none), and say whether it was revoked before. Two concurrent
    /// rotations of one token cannot both win: the second insert conflicts (simplejwt's race).
    static let rotate = TypedStatement<RevokedToken, RefreshStatus>(
        PreparedStatement(
            name: "rotate",
            sql: """
                WITH account AS (SELECT is_active FROM auth_user WHERE id = $1::bigint),
                     revoked AS (
                         INSERT INTO authd_revoked_token (jti, user_id, expires_at)
                         SELECT $2, $1::bigint, to_timestamp($3::double precision)
                         WHERE $1::bigint IS NULL OR coalesce((SELECT is_active FROM account), false)
                         ON CONFLICT (jti) DO NOTHING
                         RETURNING 1)
                SELECT (SELECT is_active FROM account) AS owner_active,
                       EXISTS (SELECT 1 FROM revoked) AS revoked_now,
                       EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $2) AS revoked_before,
                       (SELECT extract(epoch FROM not_before)::bigint FROM authd_token_cutoff WHERE user_id = $1::bigint)
                           AS tokens_not_before
                """),
        encode: revokedTokenParameters,
        decode: { rows throws(PostgresError) in
            let row = try singleRow(rows)
            return RefreshStatus(
                ownerActive: try row.bool("owner_active"), revokedBefore: try row.required("revoked_before", row.bool),
                revokedNow: try row.required("revoked_now", row.bool), ownerTokensNotBefore: try row.int64("tokens_not_before"))
        })

    /// /api/token/verify/ when revocations are consulted.
    static let isRevoked = TypedStatement<String, Bool>(
        PreparedStatement(
            name: "is_revoked", sql: "SELECT EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $1) AS revoked", readOnly: true),
        encode: { [$0] },
        decode: { rows throws(PostgresError) in
            let row = try singleRow(rows)
            return try row.required("revoked", row.bool)
        })

    /// /api/token/blacklist/: true when newly revoked (one row back), false when it already was.
    static let revoke = TypedStatement<RevokedToken, Bool>(
        PreparedStatement(
            name: "revoke",
            sql: """
                INSERT INTO authd_revoked_token (user_id, jti, expires_at)
                VALUES ($1::bigint, $2, to_timestamp($3::double precision))
                ON CONFLICT (jti) DO NOTHING RETURNING 1
                """),
        encode: revokedTokenParameters,
        decode: { rows in rows.count == 1 })

    /// After a login, when AUTHD_UPDATE_LAST_LOGIN is on.
    static let recordLogin = TypedStatement<Int64, Void>(
        PreparedStatement(name: "record_login", sql: "UPDATE auth_user SET last_login = now() WHERE id = $1::bigint"),
        encode: { [String($0)] }, decode: { _ in })

    /// After a login with a hash cheaper than configured: store the stronger hash, unless the
    /// password changed meanwhile.
    static let upgradePasswordHash = TypedStatement<(userID: Int64, previousHash: String, newHash: String), Void>(
        PreparedStatement(
            name: "upgrade_password_hash", sql: "UPDATE auth_user SET password = $2 WHERE id = $1::bigint AND password = $3"),
        encode: { [String($0.userID), $0.newHash, $0.previousHash] }, decode: { _ in })

    /// Logout everywhere: the user's cut-off moves to `notBefore`, never back.
    static let revokeAllTokens = TypedStatement<(userID: Int64, notBefore: Int64), Void>(
        PreparedStatement(
            name: "revoke_all_tokens",
            sql: """
                INSERT INTO authd_token_cutoff (user_id, not_before) VALUES ($1::bigint, to_timestamp($2::bigint))
                ON CONFLICT (user_id) DO UPDATE SET not_before = greatest(authd_token_cutoff.not_before, excluded.not_before)
                """),
        encode: { [String($0.userID), String($0.notBefore)] }, decode: { _ in })

    static let all = [
        accountByUsername.prepared, userByID.prepared, refreshStatus.prepared, rotate.prepared, isRevoked.prepared,
        revoke.prepared, recordLogin.prepared, upgradePasswordHash.prepared, revokeAllTokens.prepared,
    ]

    /// $1 owner, $2 jti, $3 expiry: the order both revoking statements use.
    private static let revokedTokenParameters: @Sendable (RevokedToken) -> [String?] = { token in
        [token.userID.map { String($0) }, token.jti, String(token.expiresAt)]
    }

    /// The one row a scalar SELECT returns.
    private static func singleRow(_ rows: PostgresRows) throws(PostgresError) -> PostgresRow {
        guard rows.count == 1, let row = rows.row(0) else { throw .unexpectedResult("expected one row, got \(rows.count)") }
        return row
    }
}
