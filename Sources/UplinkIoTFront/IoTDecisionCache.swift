/// The policy decisions one connection has already taken, by action and resource name: the policies and the
/// context are fixed between changes of the context, so a device publishing on the same topics is evaluated once
/// per topic. Bounded: when full, it starts over.
struct IoTDecisionCache: Sendable {
    private struct Key: Hashable, Sendable {
        var action: IoTAction
        var name: String
    }

    /// The most decisions kept.
    static let capacity = 256

    private var decisions: [Key: Bool] = [:]

    /// The decision on `action` over `name`, evaluated by `evaluate` the first time.
    mutating func decision(_ action: IoTAction, _ name: String, evaluate: () -> Bool) -> Bool {
        let key = Key(action: action, name: name)
        if let known = decisions[key] { return known }
        let allowed = evaluate()
        if decisions.count >= Self.capacity { decisions.removeAll(keepingCapacity: true) }
        decisions[key] = allowed
        return allowed
    }

    /// Forgets every decision (the context changed).
    mutating func removeAll() { decisions.removeAll() }
}
