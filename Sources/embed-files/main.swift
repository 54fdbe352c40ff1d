// embed-files ROOT OUTPUT PATH...: writes a Swift file holding each file under ROOT as a string
// literal, keyed by its path (run by the EmbedFiles build plugin).
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: embed-files ROOT OUTPUT PATH...\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[arguments.startIndex])
let output = URL(fileURLWithPath: arguments[arguments.startIndex + 1])

/// A multi-line raw string literal holding `text` exactly: the closing delimiter sits at column 0
/// (no indentation stripped) after one newline of its own (not part of the value), and the `#`s
/// outnumber any run of them in the text, so nothing inside can end the literal or interpolate.
func literal(_ text: String) -> String {
    var longestRun = 0
    var run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longestRun = max(longestRun, run)
    }
    let hashes = String(repeating: "#", count: longestRun + 1)
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

var entries: [String] = []
for path in arguments.dropFirst(2) {
    let data = try Data(contentsOf: root.appending(path: path))
    // A multi-line literal turns CR LF into LF, and cannot hold invalid UTF-8: refuse both
    // rather than embed something other than the file.
    guard let text = String(data: data, encoding: .utf8), !text.contains("\r") else {
        FileHandle.standardError.write(Data("embed-files: \(path) is not UTF-8 text with LF line ends\n".utf8))
        exit(1)
    }
    entries.append("        \"\(path)\": " + literal(text) + ",")
}
let source = """
    // Generated at build time by embed-files (the EmbedFiles plugin) from the files named below.

    enum EmbeddedFiles {
        /// Each file's contents, by its path from the package root.
        static let contents: [String: String] = [
    \(entries.joined(separator: "\n"))
        ]
    }

    """
try Data(source.utf8).write(to: output, options: .atomic)
