// `authd flush-expired`: drops revocation rows of tokens that have expired anyway.
import ArgumentParser
import Postgres

struct FlushExpired: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush-expired",
        abstract: "Delete revocations of refresh tokens whose own expiry has passed (they can never verify again).")

    func run() throws {
        try reportingFailures {
            let session = try openDatabase()
            defer { session.close() }
            let rows = try session.execute("DELETE FROM authd_revoked_token WHERE expires_at < now()")
            print("flush-expired: removed \(rows.affectedRows) revocations")
        }
    }
}
