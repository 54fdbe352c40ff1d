// `authd migrate`: applies sql/NNNN_*.sql in order, safely when several instances start at once.
import ArgumentParser
import Postgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database schema (DATABASE_URL).")

    @Option(help: "Folder of NNNN_name.sql migration files.")
    var sqlDir = "sql"

    func run() throws {
        try reportingFailures {
            let session = try openDatabase()
            defer { session.close() }
            let applied = try Migrator(directory: sqlDir).migrate(session)
            print(applied.isEmpty ? "migrate: schema up to date" : "migrate: applied \(applied.joined(separator: ", "))")
        }
    }
}
