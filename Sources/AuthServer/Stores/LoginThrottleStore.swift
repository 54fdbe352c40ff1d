// Where failed logins are counted: the interface the login handler sees. Every authd on one
// database shares the counts.

/// Failed and successful logins by username and client address. Loop-confined: each loop has
/// its own, and every completion runs on that loop, exactly once.
protocol LoginThrottleStore: AnyObject {
    /// Whether `attempt` may go ahead: how long each exceeded limit still holds it back.
    func check(_ attempt: LoginAttempt, then: @escaping (Result<ThrottleVerdict, StoreError>) -> Void)

    /// A login refused for its credentials. The refusal is sent when this completes (whatever
    /// its result): a client's next attempt, on any instance, then sees it counted.
    func recordFailure(_ attempt: LoginAttempt, then: @escaping () -> Void)

    /// A login granted: the pair's failures are forgotten and the pair becomes known.
    /// Bookkeeping after the answer.
    func recordSuccess(_ attempt: LoginAttempt)
}
