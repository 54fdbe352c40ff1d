// Detection of RSA moduli from the Infineon library flaw (ROCA, CVE-2017-15361).
extension AsymmetricKey {
    /// True when this RSA key's modulus has the ROCA fingerprint, which makes it factorable.
    ///
    /// The flawed generator built primes as k·M + (65537^a mod M), so for every small prime p
    /// dividing M, the modulus mod p lies in the subgroup that 65537 generates mod p. A sound
    /// modulus passes that test for all of these 38 primes with negligible probability (the
    /// detector published with the paper, crocs-muni/roca, uses the same primes; its bit masks
    /// are the subgroups computed here).
    public var hasROCAFingerprint: Bool {
        guard let modulus = rsaPublicNumbers()?.n else { return false }
        for prime in rocaPrimes {
            var remainder = 0
            for byte in modulus { remainder = (remainder * 256 + Int(byte)) % prime }
            if !subgroupOf65537(modulo: prime).contains(remainder) { return false }
        }
        return true
    }
}

private let rocaPrimes = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
    113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
]

/// {65537^k mod p : k ≥ 0}.
private func subgroupOf65537(modulo prime: Int) -> Set<Int> {
    let generator = 65537 % prime
    var members: Set<Int> = [1]
    var element = generator
    while element != 1 {
        members.insert(element)
        element = element * generator % prime
    }
    return members
}
