// One schema change: a numbered SQL file, read from a directory or compiled into the binary.

import Glibc

/// A schema migration, applied once per database in `version` order.
public struct Migration: Sendable, Equatable {
    public let version: Int
    /// The file name's words: `users_and_revocations` for `0001_users_and_revocations.sql`.
    public let name: String
    /// Statements separated by semicolons, without BEGIN/COMMIT (the migrator wraps each
    /// migration in its own transaction; statements that refuse one, such as
    /// `CREATE INDEX CONCURRENTLY`, are not supported).
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `0001_users_and_revocations`: how the migrator reports it.
    public var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    /// The migration in file `fileName` (`0001_users_and_revocations.sql`), whose text is `sql`.
    public init(fileName: String, sql: String) throws(PostgresSetupError) {
        let stem = fileName.hasSuffix(".sql") ? fileName.dropLast(4) : Substring(fileName)
        guard fileName.hasSuffix(".sql"), let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]),
            stem[..<underscore].allSatisfy(\.isASCII), stem.index(after: underscore) < stem.endIndex
        else {
            throw PostgresSetupError("migration file \(fileName) is not named NNNN_name.sql")
        }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// Reads every `NNNN_name.sql` file in `directory`; other files are ignored, but a `.sql`
    /// file without that shape is an error (a typo must not skip a migration silently).
    public static func load(directory: String) throws(PostgresSetupError) -> [Migration] {
        guard let handle = opendir(directory) else {
            throw PostgresSetupError("cannot read migrations directory \(directory): \(String(cString: strerror(errno)))")
        }
        var fileNames: [String] = []
        while let entry = readdir(handle) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if fileName.hasSuffix(".sql"), !fileName.hasPrefix(".") { fileNames.append(fileName) }
        }
        closedir(handle)
        var migrations: [Migration] = []
        for fileName in fileNames {
            migrations.append(try Migration(fileName: fileName, sql: try readFile(directory + "/" + fileName)))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    private static func readFile(_ path: String) throws(PostgresSetupError) -> String {
        guard let file = fopen(path, "rb") else {
            throw PostgresSetupError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count { break }
        }
        guard ferror(file) == 0 else { throw PostgresSetupError("cannot read \(path)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
