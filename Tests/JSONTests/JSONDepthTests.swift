// Nesting limit: maxDepth arrays/objects are accepted, one more is .tooDeep, and hostile depth is cheap.

import Testing
import JSON

@Suite("Depth limit")
struct JSONDepthTests {
    /// `depth` nested arrays around `1`.
    func nestedArrays(_ depth: Int) -> [UInt8] {
        repeated("[", depth) + [UInt8(ascii: "1")] + repeated("]", depth)
    }

    /// `depth` nested objects: {"a":{"a":...{"a":1}...}}
    func nestedObjects(_ depth: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<depth { bytes += Array(#"{"a":"#.utf8) }
        bytes.append(UInt8(ascii: "1"))
        bytes += repeated("}", depth)
        return bytes
    }

    @Test("exactly the default 64 levels are accepted")
    func defaultLimit() throws {
        #expect(parseError(nestedArrays(64)) == nil)
        #expect(parseError(nestedArrays(65)) == JSONError(kind: .tooDeep, offset: 64))
        #expect(parseError(nestedObjects(64)) == nil)
        #expect(parseError(nestedObjects(65)) == JSONError(kind: .tooDeep, offset: 64 * 5))
    }

    @Test("arrays and objects count alike")
    func mixed() {
        var bytes: [UInt8] = []
        for level in 0..<65 { bytes += level % 2 == 0 ? Array("[".utf8) : Array(#"{"k":"#.utf8) }
        #expect(parseError(bytes)?.kind == .tooDeep)
        bytes.removeLast(1)  // "[" was the 65th level; now the document is just truncated
        #expect(parseError(bytes)?.kind == .unexpectedEnd)
    }

    @Test("scalars do not count as a level; maxDepth 0 allows only scalars")
    func zeroDepth() {
        #expect(parseError("1", maxDepth: 0) == nil)
        #expect(parseError("\"s\"", maxDepth: 0) == nil)
        #expect(parseError("[]", maxDepth: 0) == JSONError(kind: .tooDeep, offset: 0))
        #expect(parseError("{}", maxDepth: 0) == JSONError(kind: .tooDeep, offset: 0))
        #expect(parseError("[]", maxDepth: -5) == JSONError(kind: .tooDeep, offset: 0))
        #expect(parseError("[[]]", maxDepth: 1) == JSONError(kind: .tooDeep, offset: 1))
        #expect(parseError("[[]]", maxDepth: 2) == nil)
    }

    @Test("a custom larger limit is honoured")
    func customLimit() throws {
        let value = try JSONParser.parse(nestedArrays(100), options: .init(maxDepth: 100))
        var depth = 0
        var current = value
        while let inner = current.arrayValue?.first { depth += 1; current = inner }
        #expect(depth == 100)
        #expect(parseError(nestedArrays(101), maxDepth: 100) == JSONError(kind: .tooDeep, offset: 100))
    }

    @Test("1,000,000 open brackets fail fast with .tooDeep instead of overflowing the stack")
    func millionBrackets() {
        let bytes = repeated("[", 1_000_000)
        let clock = ContinuousClock()
        var error: JSONError?
        let elapsed = clock.measure { error = parseError(bytes) }
        #expect(error == JSONError(kind: .tooDeep, offset: 64))
        #expect(elapsed < .seconds(1))
        let objects = Array(String(repeating: #"{"a":"#, count: 200_000).utf8)
        #expect(parseError(objects) == JSONError(kind: .tooDeep, offset: 64 * 5))
    }

    @Test("a deep but closed document is still rejected by depth, not accepted")
    func deepClosed() {
        #expect(parseError(nestedArrays(10_000)) == JSONError(kind: .tooDeep, offset: 64))
    }
}
