// The SQL authd runs while serving: one prepared statement per question, one round trip each.
import Postgres

/// Prepared on every connection right after it connects. Each request needs at most one of them.
/// Only the plain SELECTs are `readOnly` (they share pipeline batches); every write gets its own
/// sync point, so it commits or fails on its own.
enum Statement {
    /// Login: the user's id, stored hash and activity, by exact username.
    static let userByUsername = PreparedStatement(
        name: "user_by_username", sql: "SELECT id, password, is_active FROM auth_user WHERE username = $1", readOnly: true)

    /// Protected route: the user behind an access token.
    static let userByID = PreparedStatement(
        name: "user_by_id", sql: "SELECT id, username, is_active FROM auth_user WHERE id = $1::bigint", readOnly: true)

    /// Refresh without rotation-revocation: is the user active (NULL when absent or no user_id),
    /// and is the token revoked.
    static let refreshCheck = PreparedStatement(
        name: "refresh_check",
        sql: """
            SELECT (SELECT is_active FROM auth_user WHERE id = $1::bigint),
                   EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $2)
            """,
        readOnly: true)

    /// Refresh with blacklist-after-rotation, atomically: revoke the presented token if its user
    /// is active (or it names none), and say whether it was revoked before. Two concurrent
    /// rotations of one token cannot both win: the second insert conflicts (simplejwt's race).
    static let refreshRotate = PreparedStatement(
        name: "refresh_rotate",
        sql: """
            WITH account AS (SELECT is_active FROM auth_user WHERE id = $1::bigint),
                 revoked AS (
                     INSERT INTO authd_revoked_token (jti, user_id, expires_at)
                     SELECT $2, $1::bigint, to_timestamp($3::double precision)
                     WHERE $1::bigint IS NULL OR coalesce((SELECT is_active FROM account), false)
                     ON CONFLICT (jti) DO NOTHING
                     RETURNING 1)
            SELECT (SELECT is_active FROM account),
                   EXISTS (SELECT 1 FROM revoked),
                   EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $2)
            """)

    /// /api/token/verify/ when revocations are consulted.
    static let isRevoked = PreparedStatement(
        name: "is_revoked", sql: "SELECT EXISTS (SELECT 1 FROM authd_revoked_token WHERE jti = $1)", readOnly: true)

    /// /api/token/blacklist/: one row back when newly revoked, none when it already was.
    static let revoke = PreparedStatement(
        name: "revoke",
        sql: """
            INSERT INTO authd_revoked_token (jti, user_id, expires_at)
            VALUES ($1, $2::bigint, to_timestamp($3::double precision))
            ON CONFLICT (jti) DO NOTHING RETURNING 1
            """)

    /// After a login, when AUTHD_UPDATE_LAST_LOGIN is on.
    static let touchLastLogin = PreparedStatement(
        name: "touch_last_login", sql: "UPDATE auth_user SET last_login = now() WHERE id = $1::bigint")

    /// After a login with a hash cheaper than configured: store the stronger hash, unless the
    /// password changed meanwhile.
    static let upgradeHash = PreparedStatement(
        name: "upgrade_hash", sql: "UPDATE auth_user SET password = $2 WHERE id = $1::bigint AND password = $3")

    static let all = [userByUsername, userByID, refreshCheck, refreshRotate, isRevoked, revoke, touchLastLogin, upgradeHash]
}
