// Compiles the files the binary serves or applies (the OpenAPI document, the SQL migrations) into
// the module that uses them, so `authd` ships alone and works from any directory.
import Foundation
import PackagePlugin

@main
struct EmbedFiles: BuildToolPlugin {
    /// docs/openapi.json and every sql/*.sql, as `EmbeddedFiles.contents` in the target.
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        let migrations = try FileManager.default.contentsOfDirectory(atPath: root.appending(path: "sql").path)
            .filter { $0.hasSuffix(".sql") && !$0.hasPrefix(".") }
            .sorted()
            .map { "sql/" + $0 }
        let files = ["docs/openapi.json"] + migrations
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.joined(separator: ", ")) in \(target.name)",
                executable: try context.tool(named: "embed-files").url,
                arguments: [root.path, output.path] + files,
                inputFiles: files.map { root.appending(path: $0) },
                outputFiles: [output])
        ]
    }
}
