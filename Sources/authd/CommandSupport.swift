// What the subcommands share: the environment, files, passwords from standard input, the database.
import Glibc
import ArgumentParser
import Postgres

func currentEnvironment() -> [String: String] {
    var environment: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return environment
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func readWholeFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw CommandFailure("cannot open \(path)") }
    defer { fclose(file) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

/// A password from a terminal prompt (not echoed), or the first line of standard input.
/// Never from the command line, where other users could read it in the process list.
func readPassword(prompt: String) throws -> String {
    if isatty(0) != 0 {
        guard let entered = getpass(prompt) else { throw CommandFailure("no password entered") }
        return String(cString: entered)
    }
    guard let line = readLine(strippingNewline: true) else { throw CommandFailure("no password on standard input") }
    return line
}

/// A blocking session for command-line work (never used inside the server's loops).
func openDatabase() throws -> PostgresSession {
    guard let url = currentEnvironment()["DATABASE_URL"], !url.isEmpty else {
        throw CommandFailure("DATABASE_URL is not set")
    }
    return try PostgresSession(configuration: PostgresConfiguration(url))
}

/// Runs `body`, printing any failure as one line on standard error and exiting 1.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        let message = (error as? any CustomStringConvertible)?.description ?? "\(error)"
        let line = "authd: \(message)\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        throw ExitCode.failure
    }
}
