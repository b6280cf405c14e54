/// When and how fast the client reconnects after losing its connection.
///
/// The delay before attempt *n* (from 0) is drawn uniformly from `0 ... min(maximumDelay, initialDelay × 2ⁿ)`
/// ("full jitter", so a fleet does not reconnect in lockstep), and never less than `minimumDelay`. *n* counts the
/// connects since the last connection that proved itself by staying up for `stableAfter`: an accepted CONNECT alone
/// does not reset it, so a broker that accepts and drops at once (AWS IoT closes the connection at a denied
/// SUBSCRIBE) sees the delays grow as it would for refused connects (see ``MQTTReconnectBackoff``).
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
    /// How long a connection must stay up (from CONNACK) before its loss starts the backoff over from the first
    /// window; a shorter one counts as a failed attempt.
    public var stableAfter: Duration

    /// The default ``stableAfter``: 10 s, longer than a broker takes to refuse what a client sends first (a
    /// subscription or publish it does not authorize), shorter than any keep alive AWS IoT accepts (30 s).
    public static let defaultStableAfter = Duration.seconds(10)

    /// Creates a policy.
    public init(
        isEnabled: Bool = true,
        initialDelay: Duration = .milliseconds(100),
        maximumDelay: Duration = .seconds(60),
        minimumDelay: Duration = .zero,
        initialConnectAttempts: Int = 1,
        stableAfter: Duration = MQTTReconnectPolicy.defaultStableAfter
    ) {
        self.isEnabled = isEnabled
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.minimumDelay = minimumDelay
        self.initialConnectAttempts = max(1, initialConnectAttempts)
        self.stableAfter = stableAfter
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

/// The state of the reconnect backoff: which attempt comes next.
///
/// The attempt number grows with every connect that fails and every connection that ends before it proved itself
/// (stayed up for ``MQTTReconnectPolicy/stableAfter`` after CONNACK); only a connection that proved itself starts it
/// over. A broker that accepts the connection and closes it at the first packet therefore gets the same growing,
/// jittered delays as one that refuses it.
public struct MQTTReconnectBackoff: Sendable, Equatable {
    /// The policy.
    public let policy: MQTTReconnectPolicy
    /// The next attempt's number (0-based): connects since the last connection that proved itself.
    public private(set) var attempt = 0

    /// A backoff at its first attempt.
    public init(policy: MQTTReconnectPolicy) { self.policy = policy }

    /// Records how a connection ended: `connectedFor` is how long it was up after CONNACK, `nil` when the connect
    /// failed (transport, refusal, no CONNACK).
    public mutating func connectionEnded(connectedFor: Duration?) {
        if let connectedFor, connectedFor >= policy.stableAfter { attempt = 0 }
    }

    /// The delay before the next attempt (full jitter), and one attempt more for the one after.
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let delay = policy.delay(attempt: attempt, using: &generator)
        if attempt < 64 { attempt += 1 }
        return delay
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
