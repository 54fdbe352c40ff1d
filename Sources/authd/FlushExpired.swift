// `authd flush-expired`: drops revocation rows of tokens that have expired anyway.
import ArgumentParser
import Postgres

struct FlushExpired: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush-expired",
        abstract: "Delete revocations of refresh tokens whose own expiry has passed (they can never verify again).")

    @Option(help: "Seconds past expiry a token is still accepted (the server's AUTHD_LEEWAY; default: that variable, else 0).")
    var leeway: Int?

    func run() throws {
        try reportingFailures {
            let seconds = leeway ?? currentEnvironment()["AUTHD_LEEWAY"].flatMap { Int($0) } ?? 0
            guard seconds >= 0 else { throw CommandFailure("--leeway must be at least 0") }
            let session = try openDatabase()
            defer { session.close() }
            // A token is accepted until exp + leeway: its revocation must outlive that.
            let rows = try session.execute(
                "DELETE FROM authd_revoked_token WHERE expires_at < now() - make_interval(secs => $1::double precision)",
                [String(seconds)])
            print("flush-expired: removed \(rows.affectedRows) revocations")
        }
    }
}
