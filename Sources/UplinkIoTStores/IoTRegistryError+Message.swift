import UplinkIoTRegistry

extension IoTRegistryError {
    /// The error's text alone (the case says what kind it is).
    public var message: String {
        switch self {
        case .notFound(let text), .invalidState(let text), .deleteConflict(let text), .invalidRequest(let text),
            .limitExceeded(let text), .storage(let text):
            return text
        case .alreadyExists(let id, let arn): return "\(id) (\(arn)) already exists"
        }
    }
}
