// Loading the shared test vectors (../shared/testdata beside the repository) for the tests.
import Foundation

enum Vectors {
    /// `../shared/testdata/<path>` relative to the repository root.
    static func url(_ path: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/testdata").appendingPathComponent(path)
    }

    /// A Wycheproof file's test groups, as Foundation JSON (independent of authd's own parser).
    static func wycheproofGroups(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: url("wycheproof/" + file))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return root["testGroups"] as! [[String: Any]]
    }
}

extension [UInt8] {
    init(hex: String) {
        var bytes = [UInt8]()
        var iterator = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: fatalError("bad hex in a test vector")
            }
        }
        while let high = iterator.next(), let low = iterator.next() { bytes.append(nibble(high) << 4 | nibble(low)) }
        self = bytes
    }
}

/// Tally of one vector file: how many cases ran and how many ended as labelled.
struct Tally: CustomStringConvertible {
    let name: String
    var cases = 0
    var asExpected = 0
    var acceptable = 0
    var failures: [Int] = []

    init(_ name: String) { self.name = name }

    /// Records one case. `acceptable` cases (the format's "either answer is fine") always count as expected.
    mutating func record(id: Int, result: String, accepted: Bool) {
        cases += 1
        if result == "acceptable" {
            acceptable += 1
            asExpected += 1
        } else if accepted == (result == "valid") {
            asExpected += 1
        } else {
            failures.append(id)
        }
    }

    var description: String {
        "\(name): \(cases) cases, \(asExpected) as expected" + (acceptable > 0 ? " (\(acceptable) acceptable)" : "")
            + (failures.isEmpty ? "" : ", failing tcIds \(failures)")
    }
}
