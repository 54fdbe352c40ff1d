// `authd serve`: configured by environment variables (as docker-compose sets them).
import Glibc
import ArgumentParser
import AuthServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the token API.",
        discussion: "Settings come from environment variables:\n\n"
            + (Settings.variables.map { "  \($0.name)\n      \($0.help)" }
                + ["  AUTHD_SIGNING_KEY_FILE\n      file holding the signing key (instead of AUTHD_SIGNING_KEY)"])
            .joined(separator: "\n"))

    func run() throws {
        defer { Log.flush() }
        let settings: Settings
        do {
            settings = try Settings.fromEnvironment(currentEnvironment(), readFile: readWholeFile)
            try Server.run(settings: settings)
        } catch {
            Log.error("authd cannot start: \(error.description)")
            throw ExitCode(2)
        }
    }
}
