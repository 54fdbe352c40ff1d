// One query from `PostgresPool.query` until its completion has been called, exactly once.

import EventLoop

/// A query waiting in the pool's queue or in flight on a connection. Loop-confined.
final class PendingQuery {
    let statement: String
    let parameters: [String?]
    /// Fails the query with `.timeout`; cancelled when the query finishes.
    var deadline: LoopTimer?
    private var completion: ((Result<PostgresRows, PostgresError>) -> Void)?

    init(statement: String, parameters: [String?], completion: @escaping (Result<PostgresRows, PostgresError>) -> Void) {
        self.statement = statement
        self.parameters = parameters
        self.completion = completion
    }

    /// Calls the completion unless it already ran (a timeout and a late result can race).
    func finish(_ result: Result<PostgresRows, PostgresError>) {
        deadline?.cancel()
        deadline = nil
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}
