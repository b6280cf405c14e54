import MQTTCodec
import Synchronization

/// The limits of AWS IoT Core, checked locally so that a device learns of a mistake at once instead of being
/// disconnected or, for QoS 2, never answered.
///
/// Client id ≤ 128 bytes; topic ≤ 256 bytes and ≤ 7 slashes (a `$aws/rules/<rule>/` prefix not counted); ≤ 8
/// filters per SUBSCRIBE; payload ≤ 128 KB; QoS 2 refused; keep alive 30…1200 s; at most one CONNECT per second
/// per client id (the reconnect policy's minimum delay is raised to 1 s). Port 443 needs ALPN `x-amzn-mqtt-ca`,
/// which the transport checks (see `UplinkMQTTNIO`).
public struct MQTTAWSIoTProfile: Sendable, Equatable {
    /// Longest client identifier in bytes.
    public var maximumClientIdentifierLength = 128
    /// Longest topic in bytes.
    public var maximumTopicLength = 256
    /// Most `/` in a topic.
    public var maximumTopicSlashes = 7
    /// Most filters in one SUBSCRIBE.
    public var maximumFiltersPerSubscribe = 8
    /// Largest payload in bytes.
    public var maximumPayloadSize = 128 * 1024
    /// Accepted keep alive range in seconds.
    public var keepAliveRange: ClosedRange<UInt16> = 30...1200
    /// Smallest interval between two CONNECTs of one client id.
    public var minimumConnectInterval: Duration = .seconds(1)

    /// The AWS IoT Core limits.
    public init() {}

    /// The ALPN protocol AWS IoT requires for MQTT with X.509 on port 443.
    public static let alpnProtocol = "x-amzn-mqtt-ca"

    /// Checks the port and ALPN choice: 8883 (no ALPN needed) or 443 with ALPN `x-amzn-mqtt-ca`.
    public static func validate(port: Int, alpn: [String]) throws(MQTTClientError) {
        switch port {
        case 8883: return
        case 443:
            guard alpn.contains(alpnProtocol) else {
                throw .invalidArgument("AWS IoT on port 443 needs ALPN \(alpnProtocol)")
            }
        default:
            throw .invalidArgument("AWS IoT takes MQTT with X.509 on port 8883, or 443 with ALPN \(alpnProtocol)")
        }
    }

    func validate(_ configuration: MQTTClientConfiguration) throws(MQTTClientError) {
        let idLength = configuration.clientIdentifier.utf8.count
        if idLength > maximumClientIdentifierLength {
            throw .invalidArgument(
                "AWS IoT: client identifier of \(idLength) bytes exceeds \(maximumClientIdentifierLength)")
        }
        if !keepAliveRange.contains(configuration.keepAlive) {
            throw .invalidArgument(
                "AWS IoT: keep alive \(configuration.keepAlive) s is outside \(keepAliveRange.lowerBound)…\(keepAliveRange.upperBound) s"
            )
        }
        if let will = configuration.will {
            if will.qos == .exactlyOnce { throw .invalidArgument("AWS IoT does not support QoS 2 (will)") }
            try validate(topic: will.topic)
            try validate(payloadSize: will.payload.count)
        }
    }

    /// Checks a topic name against the length and level limits.
    public func validate(topic: String) throws(MQTTClientError) {
        var counted = Substring(topic)
        if topic.hasPrefix("$aws/rules/") {
            let rest = topic.dropFirst("$aws/rules/".count)
            if let slash = rest.firstIndex(of: "/") { counted = rest[rest.index(after: slash)...] }
        }
        let length = counted.utf8.count
        if length > maximumTopicLength {
            throw .invalidArgument("AWS IoT: topic of \(length) bytes exceeds \(maximumTopicLength)")
        }
        let slashes = counted.utf8.reduce(0) { $0 + ($1 == 0x2F ? 1 : 0) }
        if slashes > maximumTopicSlashes {
            throw .invalidArgument("AWS IoT: topic has \(slashes) slashes, more than \(maximumTopicSlashes)")
        }
    }

    func validate(payloadSize: Int) throws(MQTTClientError) {
        if payloadSize > maximumPayloadSize {
            throw .invalidArgument("AWS IoT: payload of \(payloadSize) bytes exceeds \(maximumPayloadSize)")
        }
    }

    func validate(publish message: MQTTMessage) throws(MQTTClientError) {
        if message.qos == .exactlyOnce { throw .invalidArgument("AWS IoT does not support QoS 2") }
        try validate(topic: message.topic)
        try validate(payloadSize: message.payload.count)
    }

    func validate(subscribe subscriptions: [MQTTSubscription]) throws(MQTTClientError) {
        if subscriptions.count > maximumFiltersPerSubscribe {
            throw .invalidArgument(
                "AWS IoT: \(subscriptions.count) filters in one SUBSCRIBE, more than \(maximumFiltersPerSubscribe)")
        }
        for subscription in subscriptions {
            if subscription.options.qos == .exactlyOnce {
                throw .invalidArgument("AWS IoT does not support QoS 2 (subscription \(subscription.topicFilter))")
            }
            try validate(topic: subscription.topicFilter)
        }
    }
}

/// Spaces CONNECTs of one client id at least a given interval apart, across all clients of the process.
enum MQTTConnectRateLimiter {
    private static let lastConnect = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Returns how long to wait before a CONNECT for `clientIdentifier` may go out, and reserves that slot.
    static func reserve(clientIdentifier: String, interval: Duration) -> Duration {
        let now = ContinuousClock.now
        return lastConnect.withLock { table in
            let earliest = table[clientIdentifier].map { $0 + interval } ?? now
            let slot = max(earliest, now)
            table[clientIdentifier] = slot
            return slot - now
        }
    }
}
