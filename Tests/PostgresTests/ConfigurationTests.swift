// Connection strings are parsed and resolved once, with authd's defaults added; no server needed.

@testable import Postgres
import Testing

@Suite("Configuration: connection strings, host resolution, defaults")
struct ConfigurationTests {
    private func parameters(_ configuration: PostgresConfiguration) -> [String: String] {
        Dictionary(uniqueKeysWithValues: zip(configuration.keywords, configuration.values))
    }

    @Test("a key/value string with a unix socket directory needs no address")
    func unixSocket() throws {
        let configuration = try PostgresConfiguration("host=/tmp port=5433 dbname=authd user=authd")
        let values = parameters(configuration)
        #expect(values["host"] == "/tmp")
        #expect(values["port"] == "5433")
        #expect(values["hostaddr"] == nil)
        #expect(values["application_name"] == "authd")
        #expect(values["gssencmode"] == "disable")
        #expect(values["client_encoding"] == "UTF8")
        #expect(values["keepalives"] == "1")
    }

    @Test("a URL with a numeric host is used as is")
    func numericHost() throws {
        let values = parameters(try PostgresConfiguration("postgresql://authd:secret@127.0.0.1:5432/authd"))
        #expect(values["host"] == "127.0.0.1")
        #expect(values["hostaddr"] == nil)
        #expect(values["password"] == "secret")
        #expect(values["dbname"] == "authd")
    }

    @Test("a host name is resolved at configuration time and passed as hostaddr")
    func hostNameResolved() throws {
        let values = parameters(try PostgresConfiguration("postgresql://authd@localhost:5432/authd"))
        let addresses = try #require(values["hostaddr"]).split(separator: ",")
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0 == "127.0.0.1" || $0 == "::1" })
        // One host entry per address, so libpq tries each as it would have tried the name's.
        #expect(values["host"]?.split(separator: ",").count == addresses.count)
        #expect(values["host"]?.split(separator: ",").allSatisfy { $0 == "localhost" } == true)
    }

    @Test("settings given in the string win over authd's defaults")
    func explicitSettingsKept() throws {
        let values = parameters(try PostgresConfiguration("host=/tmp application_name=other keepalives=0"))
        #expect(values["application_name"] == "other")
        #expect(values["keepalives"] == "0")
    }

    @Test("an invalid string and an unknown host are reported, not crashed on")
    func invalidStrings() {
        #expect(throws: PostgresSetupError.self) { try PostgresConfiguration("host=/tmp nonsense_keyword=1") }
        #expect(throws: PostgresSetupError.self) { try PostgresConfiguration("postgresql://[::1") }
        #expect(throws: PostgresSetupError.self) { try PostgresConfiguration("host=no-such-host.invalid") }
    }

    @Test("the log target never shows the password")
    func targetHidesPassword() throws {
        let configuration = try PostgresConfiguration("postgresql://authd:hunter2@127.0.0.1:5432/authd")
        #expect(configuration.target == "authd@127.0.0.1:5432/authd")
        #expect(!configuration.target.contains("hunter2"))
    }

    @Test("pool connections carry a server-side statement timeout above queryTimeout")
    func statementTimeoutBackstop() throws {
        var configuration = try PostgresConfiguration("host=/tmp options='-c search_path=x'")
        configuration.queryTimeout = 2
        let pool = configuration.poolParameters
        let options = pool.values[try #require(pool.keywords.firstIndex(of: "options"))]
        #expect(options == "-c search_path=x -c statement_timeout=3000")
        // Blocking sessions (migrations) get no statement timeout but a connect timeout.
        let session = configuration.sessionParameters
        #expect(session.values[try #require(session.keywords.firstIndex(of: "connect_timeout"))] == "5")
        #expect(!session.values.contains { $0.contains("statement_timeout") })
    }
}

@Suite("Reconnect backoff and connection states")
struct BackoffAndStateTests {
    @Test("the delay doubles from 50 ms up to 1 s, drawn from the upper half")
    func exponentialWithJitter() {
        let upper = (1...8).map { reconnectDelay(failures: $0, initial: 0.05, maximum: 1, random: { $0.upperBound }) }
        #expect(upper == [0.05, 0.1, 0.2, 0.4, 0.8, 1, 1, 1])
        #expect(reconnectDelay(failures: 1, initial: 0.05, maximum: 1, random: { $0.lowerBound }) == 0.025)
        #expect(reconnectDelay(failures: 1000, initial: 0.05, maximum: 1, random: { $0.upperBound }) == 1)
        for failures in 1...12 {
            let delay = reconnectDelay(failures: failures, initial: 0.05, maximum: 1)
            #expect(delay > 0 && delay <= 1)
        }
    }

    @Test("only the state machine's transitions are allowed")
    func transitions() {
        #expect(ConnectionState.backingOff.canMove(to: .connecting))
        #expect(ConnectionState.connecting.canMove(to: .preparing))
        #expect(ConnectionState.preparing.canMove(to: .idle))
        #expect(ConnectionState.idle.canMove(to: .busy))
        #expect(ConnectionState.busy.canMove(to: .idle))
        #expect(ConnectionState.busy.canMove(to: .connecting))  // reset after a timeout
        #expect(ConnectionState.busy.canMove(to: .backingOff))
        #expect(!ConnectionState.backingOff.canMove(to: .idle))
        #expect(!ConnectionState.connecting.canMove(to: .busy))
        #expect(!ConnectionState.idle.canMove(to: .preparing))
        #expect(!ConnectionState.closed.canMove(to: .connecting))
        #expect(ConnectionState.busy.canMove(to: .closed))
    }
}
