// The thread that keeps an instance's cache true: it LISTENs on a connection of its own and
// applies every change PostgreSQL announces (sql/0007_change_notifications.sql).
import EventLoop
import Glibc
import Postgres

/// Runs for the life of the process. While the listening connection is down the cache answers
/// nothing (every read goes to PostgreSQL, as with AUTHD_CACHE=off); when it is back the cache
/// starts over empty.
///
/// The lease: every `pingInterval` the listener NOTIFYs a channel of its own with the time it sent
/// the ping. PostgreSQL delivers notifications in commit order, so when the ping comes back every
/// change committed before it was sent has been applied: the cache may answer until that time
/// plus `lease`. A connection that hangs without breaking therefore stops the cache within
/// `lease`, and one that breaks stops it at once.
enum CacheListener {
    static let channel = "authd_cache"
    static let pingInterval = 0.1
    static let lease = 1.0
    /// No ping back for this long: the connection is dropped and made again.
    static let hangLimit = 3.0

    static func start(cache: StoreCache, database: PostgresConfiguration, settings: Settings) {
        spawnThread(name: "authd-cache") {
            run(cache: cache, database: database, userTable: settings.userTable, userIDField: settings.userIDField)
        }.detach()
    }

    private static func run(cache: StoreCache, database: PostgresConfiguration, userTable: String, userIDField: String) -> Never {
        var retryDelay = 0.1
        var warnedAboutTriggers = false
        // One line per outage, not one per attempt (the pool logs its own attempts).
        var reportedLoss = false
        while true {
            cache.distrust()
            do {
                let session = try PostgresSession(configuration: database)
                defer { session.close() }
                guard try triggersInstalled(session, userTable: userTable, userIDField: userIDField) else {
                    if !warnedAboutTriggers {
                        Log.warning(
                            "cache not used: the change-notification triggers for \(userTable).\(userIDField) are missing; run authd migrate (checked again every 10 s)")
                        warnedAboutTriggers = true
                    }
                    sleep(10)
                    continue
                }
                let ping = "authd_ping_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
                try session.execute("LISTEN \(channel)")
                try session.execute("LISTEN \(ping)")
                cache.resynchronized()
                Log.info("cache: listening for changes")
                warnedAboutTriggers = false
                reportedLoss = false
                retryDelay = 0.1
                try listen(session, ping: ping, cache: cache)
            } catch {
                // At once, not after the pause: the lease could otherwise outlive the connection.
                cache.distrust()
                if !reportedLoss {
                    Log.warning("cache: listening connection lost, every read goes to PostgreSQL until it is back: \(error)")
                    reportedLoss = true
                }
            }
            usleep(useconds_t(retryDelay * 1e6))
            retryDelay = min(retryDelay * 2, 1)
        }
    }

    private static func listen(_ session: PostgresSession, ping: String, cache: StoreCache) throws -> Never {
        var nextPing = monotonicSeconds()
        var lastPingBack = nextPing
        while true {
            var now = monotonicSeconds()
            if now >= nextPing {
                // A ping still unanswered is not doubled (the connection carries one command at a time).
                if !session.commandInProgress { try session.send("NOTIFY \(ping), '\(now)'") }
                nextPing = now + pingInterval
            }
            for notification in try session.notifications(waitingAtMost: max(0, nextPing - now)) {
                if notification.channel == ping, let sentAt = Double(notification.payload) {
                    cache.trust(until: sentAt + lease)
                    lastPingBack = monotonicSeconds()
                } else {
                    cache.apply(notification.payload)
                }
            }
            now = monotonicSeconds()
            guard now - lastPingBack < hangLimit else { throw ListenerHung(seconds: now - lastPingBack) }
        }
    }

    /// The triggers sql/0007 and `authd migrate` make, the user table's for this id field.
    private static func triggersInstalled(_ session: PostgresSession, userTable: String, userIDField: String) throws -> Bool {
        let rows = try session.execute(
            """
            SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(quote_ident($1)) AND tgname LIKE 'authd\\_cache\\_%'
                      AND tgargs = convert_to($2, 'UTF8') || '\\x00'::bytea) = 3
               AND (SELECT count(*) FROM pg_trigger
                    WHERE tgrelid IN (to_regclass('token_blacklist_outstandingtoken'), to_regclass('token_blacklist_blacklistedtoken'),
                                      to_regclass('authd_token_cutoff'))
                      AND tgname LIKE 'authd\\_cache\\_%') = 11 AS ready
            """, [userTable, userIDField])
        guard let row = rows.row(0) else { return false }
        return try row.bool("ready") ?? false
    }
}

private struct ListenerHung: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "no answer to the lease ping for \(Int(seconds)) s" }
}
