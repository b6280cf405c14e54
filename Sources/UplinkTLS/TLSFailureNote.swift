import Foundation

/// Where a verification callback leaves the reason for a failure, for the handshake watcher.
public final class TLSFailureNote: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: TLSFailure?
    private var verified = false

    public init() {}

    /// The verification's failure, if it failed.
    public var failure: TLSFailure? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Whether the peer's chain was verified: for a client with TLS 1.2, an alert after that is about the client's
    /// certificate (the server sends its certificate before asking for the client's), one before it is not.
    public var peerVerified: Bool {
        get { lock.withLock { verified } }
        set { lock.withLock { verified = newValue } }
    }
}
