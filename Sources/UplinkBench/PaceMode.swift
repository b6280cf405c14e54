/// Whether the module's output is paced at the line rate.
enum PaceMode: String, Codable, Sendable, CaseIterable {
    /// As fast as the pty and the module go: measures the module's own cost.
    case unpaced
    /// The module's output paced at the baud rate (10 bits a byte); host input is not paced.
    case paced
}
