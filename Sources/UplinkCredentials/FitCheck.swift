/// A soundness check on the material (key matches, chain order, validity), beside the sizes.
public struct FitCheck: Codable, Sendable, Equatable {
    /// Passed, failed (the module would refuse the set), or a warning.
    public enum Status: String, Codable, Sendable {
        case pass
        case fail
        case warning
    }

    /// What was checked.
    public var name: String
    /// The outcome.
    public var status: Status
    /// Details.
    public var detail: String
}
