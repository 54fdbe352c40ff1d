// Where failed logins are counted: the interface the login handler sees. Every authd on one
// database shares the counts.

/// Failed and successful logins by username and client address. Loop-confined: each loop has
/// its own, and every completion runs on that loop, exactly once.
protocol LoginThrottleStore: AnyObject {
    /// Whether `attempt` may go ahead: how long each exceeded limit still holds it back.
    func check(_ attempt: LoginAttempt, then: @escaping (Result<ThrottleVerdict, StoreError>) -> Void)

    /// A login refused for its credentials. Bookkeeping after the answer: nobody waits for it.
    func recordFailure(_ attempt: LoginAttempt)

    /// A login granted: the pair's failures are forgotten and the pair becomes known.
    /// Bookkeeping after the answer.
    func recordSuccess(_ attempt: LoginAttempt)
}
