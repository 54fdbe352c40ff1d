// Settings from the environment: defaults as simplejwt's, errors that say what is wrong.
@testable import AuthServer
import Testing

@Suite("Settings")
struct SettingsTests {
    func settings(_ environment: [String: String]) throws(SettingsError) -> Settings {
        try Settings.fromEnvironment(environment) { _ in Array("file-secret-file-secret-file-secret!!".utf8) }
    }

    @Test("defaults are simplejwt's: HS256, 5 minutes, 1 day, no rotation")
    func defaults() throws {
        let s = try settings([:])
        #expect(s.algorithm == .HS256 && s.accessTokenLifetime == 300 && s.refreshTokenLifetime == 86_400)
        #expect(!s.rotateRefreshTokens && !s.blacklistAfterRotation && s.leeway == 0 && s.hashIterations == 1_000_000)
    }

    @Test("the cache is on by default with 64 MiB; its LISTEN connection is DATABASE_URL unless a transaction-mode pooler needs another")
    func cache() throws {
        let defaults = try settings(["DATABASE_URL": "postgresql://app@127.0.0.1/app"])
        #expect(defaults.cache && defaults.cacheBudget == 64 << 20 && defaults.cacheDatabaseURL.isEmpty)
        #expect(try Server.cacheListenerDatabase(defaults)?.target == "app@127.0.0.1/app")
        #expect(try Server.cacheListenerDatabase(settings(["DATABASE_URL": "postgresql://app@127.0.0.1/app", "AUTHD_CACHE": "off"])) == nil)
        let pooled = ["DATABASE_URL": "postgresql://app@127.0.0.1:6432/app", "AUTHD_DB_PREPARED_STATEMENTS": "false"]
        #expect { _ = try Server.cacheListenerDatabase(settings(pooled)) } throws: { "\($0)".contains("AUTHD_CACHE_DATABASE_URL") }
        let direct = try settings(pooled.merging(["AUTHD_CACHE_DATABASE_URL": "postgresql://app@127.0.0.1/app", "AUTHD_CACHE_BUDGET": "1000"]) { $1 })
        #expect(try Server.cacheListenerDatabase(direct)?.target == "app@127.0.0.1/app" && direct.cacheBudget == 1000)
        #expect(throws: SettingsError.self) { _ = try settings(["AUTHD_CACHE": "maybe"]) }
        #expect(throws: SettingsError.self) { _ = try settings(["AUTHD_CACHE_BUDGET": "-1"]) }
    }

    @Test("AUTHD_PASSWORD_HASHERS is Django's PASSWORD_HASHERS: class paths or names, in order, Django 5.2's by default")
    func passwordHashers() throws {
        #expect(try settings([:]).passwordHashers == [.pbkdf2SHA256, .pbkdf2SHA1, .argon2, .bcryptSHA256, .scrypt])
        let s = try settings(["AUTHD_PASSWORD_HASHERS": "django.contrib.auth.hashers.Argon2PasswordHasher, md5,bcrypt_sha256"])
        #expect(s.passwordHashers == [.argon2, .md5, .bcryptSHA256])
    }

    @Test("every variable is read")
    func variables() throws {
        let s = try settings([
            "AUTHD_LISTEN": "0.0.0.0:9000", "AUTHD_ALGORITHM": "ES256", "AUTHD_ACCESS_TOKEN_LIFETIME": "60",
            "AUTHD_REFRESH_TOKEN_LIFETIME": "120", "AUTHD_ROTATE_REFRESH_TOKENS": "true", "AUTHD_BLACKLIST_AFTER_ROTATION": "1",
            "AUTHD_LEEWAY": "5", "AUTHD_AUDIENCE": "api", "AUTHD_ISSUER": "me", "AUTHD_THREADS": "3", "AUTHD_WORKERS": "4",
            "AUTHD_HASH_ITERATIONS": "1000", "AUTHD_UPDATE_LAST_LOGIN": "yes", "AUTHD_SIGNING_KEY_FILE": "/k",
        ])
        #expect(s.listen == "0.0.0.0:9000" && s.algorithm == .ES256 && s.accessTokenLifetime == 60 && s.refreshTokenLifetime == 120)
        #expect(s.rotateRefreshTokens && s.blacklistAfterRotation && s.leeway == 5 && s.audience == .one("api") && s.issuer == "me")
        #expect(s.loopThreads == 3 && s.workerThreads == 4 && s.hashIterations == 1000 && s.updateLastLogin)
        #expect(s.signingKey == Array("file-secret-file-secret-file-secret!!".utf8))
    }

    @Test("bad values are refused with the variable's name", arguments: [
        ("AUTHD_ALGORITHM", "none"), ("AUTHD_ACCESS_TOKEN_LIFETIME", "0"), ("AUTHD_LEEWAY", "-1"), ("AUTHD_ROTATE_REFRESH_TOKENS", "maybe"),
        ("AUTHD_THREADS", "x"), ("AUTHD_PASSWORD_HASHERS", "argon3"), ("AUTHD_PASSWORD_HASHERS", " , "),
        ("AUTHD_PASSWORD_HASHERS", "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher"),
    ])
    func refusals(name: String, value: String) {
        #expect {
            _ = try settings([name: value])
        } throws: { error in
            (error as? SettingsError)?.description.contains(name) == true
        }
    }

    @Test("a signing key too short for its algorithm, or missing, is refused; secrets are masked in the summary")
    func keys() throws {
        var s = Settings()
        s.signingKey = Array("short".utf8)
        #expect(throws: SettingsError.self) { _ = try TokenAuthority(settings: s) }
        s.signingKey = Array(String(repeating: "k", count: 32).utf8)
        #expect(throws: Never.self) { _ = try TokenAuthority(settings: s) }
        s.algorithm = .HS512
        #expect(throws: SettingsError.self) { _ = try TokenAuthority(settings: s) }
        let summary = s.summary(database: "user@db:5432/authd").map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        #expect(summary.contains("signing_key") && !summary.contains(String(repeating: "k", count: 32)))
    }
}

@Suite("Settings limits")
struct SettingsLimitsTests {
    @Test("absurd numbers are refused at start-up instead of overflowing later", arguments: [
        ("AUTHD_ACCESS_TOKEN_LIFETIME", "9223372036854775807"), ("AUTHD_REFRESH_TOKEN_LIFETIME", "400000000"),
        ("AUTHD_LEEWAY", "-1"), ("AUTHD_THREADS", "100000"), ("AUTHD_HASH_ITERATIONS", "60000000"),
        ("AUTHD_DB_CONNECTIONS", "0"),
    ])
    func limits(name: String, value: String) {
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment([name: value]) { _ in [] } }
    }
}

@Suite("Statements")
struct StatementsTests {
    static let models = [
        UserModel.djangoDefault,
        UserModel(
            table: "accounts_user", usernameField: "email", idField: "id", idType: "uuid", idKind: .uuid, primaryKey: "id",
            hasIsActive: false, caseInsensitiveUsername: true, requiredColumns: []),
    ]

    @Test("only plain SELECTs are declared read-only (read-only ones share a pipeline transaction)", arguments: models)
    func readOnly(model: UserModel) {
        for statement in PostgresStatements(model: model).all {
            let sql = statement.sql.uppercased()
            let writes = ["INSERT", "UPDATE", "DELETE", "FOR UPDATE"].contains { sql.contains($0) }
            #expect(statement.readOnly == (sql.hasPrefix("SELECT") && !writes), "\(statement.name)")
        }
    }
}

@Suite("Connection cap")
struct ConnectionCapTests {
    @Test("the cap leaves room for the listeners, the database connections and the log")
    func derived() {
        var settings = Settings()
        settings.loopThreads = 2
        settings.databaseConnectionsPerLoop = 2
        // 1,024 descriptors: 64 + 2 loops × (listener, epoll, wake-up + 2 × 2 database sockets).
        #expect(Server.connectionCap(descriptorLimit: 1024, settings: settings) == 946)
        #expect(Server.connectionCap(descriptorLimit: 1_048_576, settings: settings) == 65_536)
        #expect(Server.connectionCap(descriptorLimit: 32, settings: settings) == 2)
    }

    @Test("the connection and deadline settings are read, with nginx- and Go-like defaults")
    func settings() throws {
        let defaults = try Settings.fromEnvironment([:]) { _ in [] }
        #expect(defaults.headerTimeout == 10 && defaults.bodyTimeout == 10 && defaults.bodyMinRate == 65_536)
        #expect(defaults.keepAliveTimeout == 75 && defaults.writeTimeout == 30 && defaults.bodyBudget == 64 << 20)
        let set = try Settings.fromEnvironment([
            "AUTHD_MAX_CONNECTIONS": "100", "AUTHD_HEADER_TIMEOUT": "3", "AUTHD_BODY_TIMEOUT": "4", "AUTHD_BODY_MIN_RATE": "1000",
            "AUTHD_KEEPALIVE_TIMEOUT": "5", "AUTHD_WRITE_TIMEOUT": "6", "AUTHD_BODY_BUDGET": "10000000",
        ]) { _ in [] }
        #expect(set.maxConnections == 100 && set.headerTimeout == 3 && set.bodyTimeout == 4 && set.bodyMinRate == 1000)
        #expect(set.keepAliveTimeout == 5 && set.writeTimeout == 6 && set.bodyBudget == 10_000_000)
    }
}
