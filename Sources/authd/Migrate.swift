// `authd migrate`: applies the schema compiled into the binary (or sql/NNNN_*.sql from a folder),
// safely when several instances start at once.
import ArgumentParser
import AuthServer
import Postgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database schema (DATABASE_URL).")

    @Option(help: "Folder of NNNN_name.sql migration files to apply instead of the ones built in.")
    var sqlDir: String?

    func run() throws {
        try reportingFailures {
            let migrator = try sqlDir.map { dir throws(PostgresSetupError) in try Migrator(directory: dir) } ?? Migrator(Schema.migrations())
            let session = try openDatabase()
            defer { session.close() }
            // The schema's scripts read the user table from here (a custom user model's table
            // is Django's to create, and the blacklist tables reference it).
            let environment = currentEnvironment()
            let defaults = Settings()
            func setting(_ name: String, _ fallback: String) -> String { environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }
            let userTable = setting("AUTHD_USER_TABLE", defaults.userTable)
            let userIDField = setting("AUTHD_USER_ID_FIELD", defaults.userIDField)
            try session.execute("SELECT set_config('authd.user_table', $1, false)", [userTable])
            try session.execute("SELECT set_config('authd.user_id_field', $1, false)", [userIDField])
            let applied = try migrator.migrate(session)
            // The cache's triggers on the user table follow the settings every time, not only
            // when the migration that made them ran.
            try session.execute(
                "SELECT authd_watch_user_table($1, $2) WHERE to_regprocedure('authd_watch_user_table(text, text)') IS NOT NULL", [userTable, userIDField])
            print(applied.isEmpty ? "migrate: schema up to date" : "migrate: applied \(applied.joined(separator: ", "))")
        }
    }
}
