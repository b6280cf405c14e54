import Synchronization

/// Where a verification callback leaves the reason for a failure, for the handshake watcher.
public final class TLSFailureNote: Sendable {
    private let state = Mutex<(failure: TLSFailure?, verified: Bool)>((nil, false))

    public init() {}

    /// The verification's failure, if it failed.
    public var failure: TLSFailure? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    /// Whether the peer's chain was verified: for a client with TLS 1.2, an alert after that is about the client's
    /// certificate (the server sends its certificate before asking for the client's), one before it is not.
    public var peerVerified: Bool {
        get { state.withLock { $0.verified } }
        set { state.withLock { $0.verified = newValue } }
    }
}
