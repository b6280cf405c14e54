/// When and how fast the client reconnects after losing its connection.
///
/// The delay before attempt *n* (from 0) is drawn uniformly from `0 ... min(maximumDelay, initialDelay × 2ⁿ)`
/// ("full jitter", so a fleet does not reconnect in lockstep), and never less than `minimumDelay`.
public struct MQTTReconnectPolicy: Sendable, Equatable {
    /// Whether the client reconnects by itself after a connection loss.
    public var isEnabled: Bool
    /// The cap of the first backoff window.
    public var initialDelay: Duration
    /// The largest backoff window.
    public var maximumDelay: Duration
    /// The smallest delay between two attempts (AWS IoT: 1 s per client id).
    public var minimumDelay: Duration
    /// How many attempts `connect()` makes before it gives up (1 = fail at the first error).
    public var initialConnectAttempts: Int

    /// Creates a policy.
    public init(
        isEnabled: Bool = true,
        initialDelay: Duration = .milliseconds(100),
        maximumDelay: Duration = .seconds(60),
        minimumDelay: Duration = .zero,
        initialConnectAttempts: Int = 1
    ) {
        self.isEnabled = isEnabled
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.minimumDelay = minimumDelay
        self.initialConnectAttempts = max(1, initialConnectAttempts)
    }

    /// No automatic reconnection: a connection loss fails every pending operation.
    public static let disabled = MQTTReconnectPolicy(isEnabled: false)

    /// The backoff window (upper bound of the jitter) for attempt `attempt` (0-based).
    public func window(attempt: Int) -> Duration {
        let cap = Double(maximumDelay.nanoseconds)
        let base = Double(initialDelay.nanoseconds)
        let window = min(cap, base * Double(1 << UInt64(min(max(attempt, 0), 40))))
        return .nanoseconds(Int64(window))
    }

    /// The delay before attempt `attempt`, drawn with full jitter using `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let window = self.window(attempt: attempt).nanoseconds
        let drawn = window > 0 ? Int64.random(in: 0...window, using: &generator) : 0
        return .nanoseconds(max(drawn, minimumDelay.nanoseconds))
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product &+ attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a floating-point number.
    var seconds: Double { Double(nanoseconds) / 1e9 }
}
