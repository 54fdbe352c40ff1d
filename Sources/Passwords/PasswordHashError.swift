// Why a stored hash cannot be checked. Never a crash: every string maps to a match, a mismatch,
// or one of these.

public enum PasswordHashError: Error, Sendable, Equatable {
    /// Django's "unusable password" marker (a leading "!"): no password matches it.
    case unusablePassword
    /// A hasher that is not configured (or that Django 5.2 does not have), named in the value.
    case unknownAlgorithm(String)
    /// Not the shape its hasher writes (where Django would answer False or raise); the value
    /// says which part is wrong.
    case malformed(String)
    /// The hash asks for more work or memory than authd spends on one login (see each hasher's
    /// limits): refused like a wrong password instead of tying up a worker.
    case aboveLimit(String)
    /// A password this hasher cannot take: plain bcrypt refuses passwords over 72 bytes (Django's
    /// bcrypt 5 raises), and libxcrypt cannot hash one that contains a NUL byte.
    case passwordNotSupported(String)
    /// The native library failed (out of memory, no randomness).
    case hashingFailed(String)
}
