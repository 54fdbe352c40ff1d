// `authd flush-expired`: simplejwt's flushexpiredtokens, drops the records of refresh tokens
// that have expired anyway.
import ArgumentParser
import Postgres

struct FlushExpired: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush-expired",
        abstract: "Delete outstanding and blacklisted refresh tokens whose own expiry has passed (they can never verify again).")

    @Option(help: "Seconds past expiry a token is still accepted (the server's AUTHD_LEEWAY; default: that variable, else 0).")
    var leeway: Int?

    func run() throws {
        try reportingFailures {
            let seconds = leeway ?? currentEnvironment()["AUTHD_LEEWAY"].flatMap { Int($0) } ?? 0
            guard seconds >= 0 else { throw CommandFailure("--leeway must be at least 0") }
            let session = try openDatabase()
            defer { session.close() }
            // A token is accepted until exp + leeway: its revocation must outlive that.
            // The blacklisted rows go with their outstanding rows, as Django's CASCADE deletes them.
            let rows = try session.execute(
                """
                WITH expired AS (
                         SELECT id FROM token_blacklist_outstandingtoken
                         WHERE expires_at < now() - make_interval(secs => $1::double precision)),
                     blacklisted AS (DELETE FROM token_blacklist_blacklistedtoken WHERE token_id IN (SELECT id FROM expired)),
                     families AS (
                         DELETE FROM authd_token_family
                         WHERE expires_at < now() - make_interval(secs => $1::double precision))
                DELETE FROM token_blacklist_outstandingtoken WHERE id IN (SELECT id FROM expired)
                """, [String(seconds)])
            print("flush-expired: removed \(rows.affectedRows) expired tokens")
        }
    }
}
