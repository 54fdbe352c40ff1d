// The OpenAPI 3.1 description of everything authd answers, served at GET /openapi.json.
import JSON

/// The API's one description, written in `docs/openapi.json` and compiled in by the EmbedFiles
/// plugin: what clients read, what the tests check the router, the limits and the live server
/// against, and the bytes `/openapi.json` serves.
enum OpenAPIDocument {
    static let path = "docs/openapi.json"
    static let json: String = EmbeddedFiles.contents[path]!

    /// The document as this server answers: the token views at their configured paths and the
    /// login's username field named as USERNAME_FIELD. The file itself, byte for byte, when the
    /// settings change neither.
    static func served(_ settings: Settings) -> String {
        let defaults = RoutePaths()
        guard settings.paths != defaults || settings.usernameField != "username" else { return json }
        guard case .object(var document)? = try? JSONParser.parse(Array(json.utf8)) else { return json }
        if case .object(let paths)? = document["paths"] {
            document["paths"] = .object(
                JSONObject(
                    paths.members.map { member in
                        let route = Route.allCases.first { $0.path(defaults) == member.key }
                        return (key: route?.path(settings.paths) ?? member.key, value: member.value)
                    }))
        }
        if case .object(var components)? = document["components"], case .object(var schemas)? = components["schemas"] {
            for name in ["Credentials", "CredentialsErrors"] {
                guard case .object(var schema)? = schemas[name] else { continue }
                if case .object(let properties)? = schema["properties"] {
                    schema["properties"] = .object(
                        JSONObject(properties.members.map { ($0.key == "username" ? settings.usernameField : $0.key, $0.value) }))
                }
                if case .array(let required)? = schema["required"] {
                    schema["required"] = .array(required.map { $0 == .string("username") ? .string(settings.usernameField) : $0 })
                }
                schemas[name] = .object(schema)
            }
            components["schemas"] = .object(schemas)
            document["components"] = .object(components)
        }
        return JSONValue.object(document).serializedString()
    }
}
