// The OpenAPI 3.1 description of everything authd answers, served at GET /openapi.json.

/// The API's one description, written in `docs/openapi.json` and compiled in by the EmbedFiles
/// plugin: what clients read, what the tests check the router, the limits and the live server
/// against, and the bytes `/openapi.json` serves.
enum OpenAPIDocument {
    static let path = "docs/openapi.json"
    static let json: String = EmbeddedFiles.contents[path]!
}
