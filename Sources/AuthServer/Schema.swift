// The database schema authd serves from: sql/NNNN_*.sql, compiled in by the EmbedFiles plugin.
package import Postgres

package enum Schema {
    /// The migrations of `sql/`, as they were when this binary was built, in version order.
    package static func migrations() throws(PostgresSetupError) -> [Migration] {
        var migrations: [Migration] = []
        for (path, sql) in EmbeddedFiles.contents where path.hasPrefix("sql/") {
            migrations.append(try Migration(fileName: String(path.dropFirst(4)), sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
