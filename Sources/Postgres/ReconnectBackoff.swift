// How long a broken connection waits before its next attempt.

/// Exponential backoff with jitter: the ceiling doubles per consecutive failure from `initial`
/// up to `maximum`, and the delay is drawn from the upper half of it. The jitter keeps the
/// connections of all loops (and all authd instances) from reconnecting in lockstep after an
/// outage; the low cap means service resumes within about a second of Postgres coming back.
func reconnectDelay(
    failures: Int, initial: Double, maximum: Double,
    random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
) -> Double {
    let doublings = min(max(failures - 1, 0), 30)
    let ceiling = min(maximum, initial * Double(1 << doublings))
    return random(ceiling / 2...ceiling)
}
