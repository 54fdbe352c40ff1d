// The files compiled into authd: the OpenAPI document matches the router and the server's limits,
import Glibc
// and the migrations are exactly sql/'s.
@testable import AuthServer
import EventLoop
import JSON
import Postgres
import Testing

@Suite("Embedded files")
struct EmbeddedFilesTests {
    static let repository = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))

    static func document() throws -> JSONObject {
        try #require(try JSONParser.parse(OpenAPIDocument.json).objectValue)
    }

    @Test("every route the router knows is documented with exactly its methods, and every documented path is a route")
    func routesMatchTheDocument() throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        let defaults = RoutePaths()
        #expect(Set(paths.map(\.key)) == Set(Route.allCases.map { $0.path(defaults) }))
        let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for route in Route.allCases {
            let path = route.path(defaults)
            let operations = try #require(paths[path]?.objectValue, "\(path) is not documented")
            let documented = Set(operations.map(\.key).filter(httpMethods.contains).map { $0.uppercased() })
            #expect(documented == Set(route.allowedMethods), "\(path)")
        }
    }

    @Test("the limits the document states are the ones the server enforces")
    func limitsMatchTheServer() throws {
        let limits = try #require(try Self.document()["info"]?["x-limits"]?.objectValue)
        let settings = Settings()
        let http = HTTPServerConfiguration()
        #expect(limits["maxBodyBytes"]?.numberValue?.literal == String(settings.maxBodyBytes))
        #expect(limits["maxHeaderBytes"]?.numberValue?.literal == String(http.maxHeaderBytes))
        #expect(limits["requestDeadlineSeconds"]?.numberValue.flatMap { Double($0.literal) } == settings.requestDeadline)
    }

    @Test("the served document is docs/openapi.json, byte for byte")
    func documentIsTheFile() throws {
        #expect(Array(OpenAPIDocument.json.utf8) == (try readFile(Self.repository + "/docs/openapi.json")))
    }

    @Test("the migrations built in are exactly sql/'s")
    func migrationsAreSQLDirectory() throws {
        let fromDirectory = try Migration.load(directory: Self.repository + "/sql")
        #expect(!fromDirectory.isEmpty)
        #expect(try Schema.migrations() == fromDirectory)
    }

    func readFile(_ path: String) throws -> [UInt8] {
        let file = try #require(fopen(path, "rb"))
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[0..<count]
            if count < chunk.count { return bytes }
        }
    }
}
