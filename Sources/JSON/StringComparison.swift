// Code-point (UTF-8 byte) string equality, used for object keys and string values.
// Swift's String == uses canonical equivalence (e.g. U+212A KELVIN SIGN == "K"), but JSON
// (RFC 8259 section 8.3) and Python's json compare names code unit by code unit, so we do too.

/// True when `a` and `b` have identical UTF-8 encodings.
@inline(__always)
public func utf8Equal(_ a: String, _ b: String) -> Bool {
    // Native strings know their UTF-8 length in O(1), so different lengths exit early.
    guard a.utf8.count == b.utf8.count else { return false }
    // Compare raw buffers: iterating String.UTF8View is several times slower for short keys.
    var a = a
    var b = b
    return a.withUTF8 { x in b.withUTF8 { y in bytesEqual(x, y) } }
}

/// Byte-wise equality of two buffers of the same length (a plain loop beats the generic
/// elementsEqual for the short keys this is used on).
@inline(__always)
private func bytesEqual(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
    guard x.count == y.count else { return false }
    var i = 0
    while i < x.count {
        if x[i] != y[i] { return false }
        i += 1
    }
    return true
}

/// A String wrapper whose equality and hash follow the UTF-8 bytes, for duplicate detection.
struct UTF8Key: Hashable {
    let string: String

    static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool {
        utf8Equal(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
