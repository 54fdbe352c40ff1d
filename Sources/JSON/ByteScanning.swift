// Word-at-a-time (SWAR) checks that let the string scanners skip 8 plain bytes per step.
// Each function answers exactly whether any of the 8 bytes matches; which one is found byte-wise.

private let ones: UInt64 = 0x0101_0101_0101_0101
private let highBits: UInt64 = 0x8080_8080_8080_8080

/// Whether any byte of `word` equals `byte`. Exact (the classic "haszero" test on word ^ pattern).
@inline(__always)
func wordContains(_ word: UInt64, _ byte: UInt8) -> Bool {
    let x = word ^ (ones &* UInt64(byte))
    return (x &- ones) & ~x & highBits != 0
}

/// Whether any byte of `word` is below 0x20. Exact for thresholds up to 0x80 ("hasless").
@inline(__always)
func wordContainsControl(_ word: UInt64) -> Bool {
    (word &- ones &* 0x20) & ~word & highBits != 0
}

/// Whether any byte of `word` is 0x80 or above.
@inline(__always)
func wordContainsNonASCII(_ word: UInt64) -> Bool {
    word & highBits != 0
}

/// Loads 8 bytes at `base + offset` without alignment requirements;
/// the caller guarantees that `offset + 8` is within the buffer.
@inline(__always)
func loadWord(_ base: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
    UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
}
