/// Calls waiting on the client (`connect`, `flush`, a producer waiting for room), each under an identifier, so that
/// a cancelled call takes its own continuation back and resumes it with `CancellationError` at once.
struct MQTTWaiterList<Value> {
    private var entries: [(id: UInt64, continuation: UnsafeContinuation<Value, any Error>)] = []

    var isEmpty: Bool { entries.isEmpty }

    mutating func append(_ id: UInt64, _ continuation: UnsafeContinuation<Value, any Error>) {
        entries.append((id, continuation))
    }

    /// Removes and returns the continuation waiting under `id` (`nil` when it was already resumed).
    mutating func remove(_ id: UInt64) -> UnsafeContinuation<Value, any Error>? {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        return entries.remove(at: index).continuation
    }

    /// Removes and returns every continuation, in the order they were added.
    mutating func takeAll() -> [UnsafeContinuation<Value, any Error>] {
        let all = entries.map(\.continuation)
        entries.removeAll()
        return all
    }
}
