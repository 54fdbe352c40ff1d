// The authd command line: the server and the operator's tools.
import ArgumentParser

@main
struct Authd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authd",
        abstract: "A JWT authentication server compatible with djangorestframework-simplejwt.",
        subcommands: [Serve.self, Migrate.self, User.self, FlushExpired.self, Keygen.self, Healthcheck.self])
}
