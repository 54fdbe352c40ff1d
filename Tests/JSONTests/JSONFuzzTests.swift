// Deterministic fuzzing: random bytes, random valid documents and their mutations. Each input must
// never trap, must be accepted exactly when an independent reference decoder accepts it (with an
// equal value), and whatever parses must re-serialize and re-parse to an equal value.

import Testing
import JSON

@Suite("Fuzz")
struct JSONFuzzTests {
    /// Tallies so the test can prove it exercised both outcomes.
    struct Tally {
        var accepted = 0
        var rejected = 0
    }

    /// Checks one input against the parser's contract and the reference decoder.
    func check(_ bytes: [UInt8], _ tally: inout Tally) {
        let reference = ReferenceJSONDecoder.decode(bytes)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            tally.rejected += 1
            #expect(reference == nil, "rejected valid input [\(hex(bytes))]: \(error)")
            #expect(error.offset >= 0 && error.offset <= bytes.count, "offset out of range for [\(hex(bytes))]")
            return
        }
        tally.accepted += 1
        #expect(reference == value, "accepted [\(hex(bytes))] but reference says \(String(describing: reference))")
        let serialized = value.serialized()
        do {
            let again = try JSONParser.parse(serialized)
            #expect(again == value, "round trip changed [\(hex(bytes))]")
            #expect(again.serialized() == serialized, "serialization not stable for [\(hex(bytes))]")
        } catch {
            Issue.record("writer output [\(hex(serialized))] does not parse: \(error)")
        }
    }

    // MARK: Generators

    /// Bytes chosen to hit JSON syntax often, plus arbitrary bytes and UTF-8 fragments.
    static let alphabet: [[UInt8]] = {
        var pieces: [[UInt8]] = "{}[],:\"\\\"\"0123456789-+.eEtrufalsn \t\n\r/bfnrtu".utf8.map { [$0] }
        pieces += ["true", "false", "null", "\\u", "\\uD83D", "\\uDE00", "\\u0000", "\"a\"", "1e5", "-0", "0."]
            .map { Array($0.utf8) }
        pieces += [[0xC3, 0xA9], [0xE2, 0x80, 0xA8], [0xF0, 0x9F, 0x98, 0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80],
                   [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF], [0x00], [0x1F], [0x7F], [0xFF]]
        return pieces
    }()

    func randomBytes(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        let pieces = rng.below(24)
        for _ in 0..<pieces {
            if rng.chance(1, in: 8) {
                bytes.append(UInt8(truncatingIfNeeded: rng.next()))
            } else {
                bytes += Self.alphabet[rng.below(Self.alphabet.count)]
            }
        }
        return bytes
    }

    static let scalarPool: [Unicode.Scalar] = {
        let values: [UInt32] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x20, 0x22, 0x2F, 0x5C, 0x7F, 0x80,
                                0xE9, 0x7FF, 0x800, 0x2028, 0x2029, 0x202F, 0xD7FF, 0xE000, 0xFEFF, 0xFFFF,
                                0x10000, 0x1F600, 0x10FFFF, 0x212A, 0x301]
        return values.compactMap(Unicode.Scalar.init) + "abcxyzAZ09 _-".unicodeScalars
    }()

    func randomString(_ rng: inout SplitMix64) -> String {
        var view = String.UnicodeScalarView()
        let length = rng.below(12)
        for _ in 0..<length {
            view.append(Self.scalarPool[rng.below(Self.scalarPool.count)])
        }
        return String(view)
    }

    func randomNumber(_ rng: inout SplitMix64) -> JSONNumber {
        if rng.chance(1, in: 2) {
            return JSONNumber(Int64(bitPattern: rng.next()) >> rng.below(64))
        }
        var literal = rng.chance(1, in: 2) ? "-" : ""
        literal += rng.chance(1, in: 4) ? "0" : String(1 + rng.below(9)) + String(rng.below(100_000))
        if rng.chance(1, in: 2) { literal += "." + String(rng.below(1000)) }
        if rng.chance(1, in: 2) {
            literal += ["e", "E"][rng.below(2)] + ["", "+", "-"][rng.below(3)] + String(rng.below(500))
        }
        // The generator only builds grammatical literals; a nil here is a JSONNumber defect.
        guard let number = JSONNumber(literal: literal) else {
            Issue.record("generated literal \(literal) rejected")
            return JSONNumber(0)
        }
        return number
    }

    func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        let choice = depth >= 5 ? rng.below(4) : rng.below(7)
        switch choice {
        case 0: return .null
        case 1: return .bool(rng.chance(1, in: 2))
        case 2: return .number(randomNumber(&rng))
        case 3: return .string(randomString(&rng))
        case 4, 5:
            return .array((0..<rng.below(5)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            var keys: [String] = []
            for _ in 0..<rng.below(5) {
                // Sometimes reuse a key so duplicates are exercised.
                let key = !keys.isEmpty && rng.chance(1, in: 5) ? keys[rng.below(keys.count)] : randomString(&rng)
                keys.append(key)
                object.append(key: key, value: randomValue(&rng, depth: depth + 1))
            }
            return .object(object)
        }
    }

    /// Serializes with random legal whitespace between tokens, independently of JSONWriter's layout.
    func spaced(_ value: JSONValue, _ rng: inout SplitMix64, into out: inout [UInt8]) {
        func space() {
            for _ in 0..<rng.below(3) { out.append([0x20, 0x09, 0x0A, 0x0D][rng.below(4)]) }
        }
        space()
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            space()
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                spaced(element, &rng, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            space()
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space()
                out += JSONValue.string(member.key).serialized()
                space()
                out.append(UInt8(ascii: ":"))
                spaced(member.value, &rng, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            out += value.serialized()
        }
        space()
    }

    func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<(1 + rng.below(3)) {
            let position = bytes.isEmpty ? 0 : rng.below(bytes.count)
            switch rng.below(6) {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= UInt8(1) << rng.below(8)                      // flip a bit
            case 1:
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position) // insert a random byte
            case 2 where !bytes.isEmpty:
                bytes.remove(at: position)                                         // delete a byte
            case 3:
                bytes.insert(contentsOf: Self.alphabet[rng.below(Self.alphabet.count)], at: position)
            case 4 where !bytes.isEmpty:
                bytes.removeSubrange(position...)                                  // truncate
            default:
                let end = min(bytes.count, position + rng.below(8))
                bytes.insert(contentsOf: bytes[position..<end], at: position)      // duplicate a span
            }
        }
        return bytes
    }

    // MARK: Tests

    @Test("10,000 random byte strings")
    func randomByteStrings() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var tally = Tally()
        for _ in 0..<10_000 { check(randomBytes(&rng), &tally) }
        // Guard against a vacuous fuzz run: both outcomes must occur.
        #expect(tally.accepted > 50)
        #expect(tally.rejected > 5_000)
    }

    @Test("2,000 random valid documents with random whitespace parse to the generated value")
    func generatedDocuments() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        var tally = Tally()
        for _ in 0..<2_000 {
            let value = randomValue(&rng)
            let compact = value.serialized()
            #expect(try JSONParser.parse(compact) == value, "compact [\(hex(compact))]")
            #expect(ReferenceJSONDecoder.decode(compact) == value, "reference on [\(hex(compact))]")
            var loose: [UInt8] = []
            spaced(value, &rng, into: &loose)
            #expect(try JSONParser.parse(loose) == value, "spaced [\(hex(loose))]")
            check(loose, &tally)
        }
        #expect(tally.rejected == 0)
    }

    @Test("10,000 mutations of valid documents")
    func mutatedDocuments() {
        var rng = SplitMix64(seed: 0x5EED_0003)
        var tally = Tally()
        for _ in 0..<10_000 {
            let value = randomValue(&rng)
            var bytes: [UInt8] = []
            if rng.chance(1, in: 2) { bytes = value.serialized() } else { spaced(value, &rng, into: &bytes) }
            check(mutate(bytes, &rng), &tally)
        }
        #expect(tally.accepted > 500)
        #expect(tally.rejected > 3_000)
    }

    @Test("every prefix of a rich document is handled without trapping")
    func prefixes() {
        let text = #"{"a":[1,-2.5e+3,true,false,null],"b":{"c":"\u00e9\ud83d\ude00\n"},"d":"é😀","e":[]}"#
        let bytes = Array(text.utf8)
        var tally = Tally()
        for end in 0...bytes.count { check(Array(bytes[0..<end]), &tally) }
        #expect(tally.accepted == 1)  // only the whole document
    }
}
