/// The AWS IoT broker limits the front enforces (reference §5; `mqtt-awsiot.md` §3.2).
public struct IoTBrokerLimits: Sendable, Equatable {
    /// Largest PUBLISH payload (128 KB); larger → disconnect.
    public var maximumPayload = 128 * 1024
    /// Longest topic in bytes (the `$aws/rules/<rule>/` prefix not counted).
    public var maximumTopicBytes = 256
    /// Most `/` in a topic (8 levels).
    public var maximumTopicSlashes = 7
    /// Most filters in one SUBSCRIBE.
    public var maximumFiltersPerSubscribe = 8
    /// Longest client id in bytes.
    public var maximumClientIdBytes = 128
    /// Effective keep-alive range in seconds: lower values are raised, 0 and higher values become the maximum.
    public var keepAliveRange: ClosedRange<UInt16> = 30...1200
    /// Smallest interval between two CONNECTs of one client id, in seconds.
    public var connectInterval: Double = 1

    public init() {}

    /// The largest packet the front reads: the payload limit plus room for the topic and properties.
    public var maximumPacketSize: Int { maximumPayload + 64 * 1024 }

    /// The keep-alive the front applies to a requested one.
    public func keepAlive(_ requested: UInt16) -> UInt16 {
        if requested == 0 || requested > keepAliveRange.upperBound { return keepAliveRange.upperBound }
        return max(requested, keepAliveRange.lowerBound)
    }

    /// Why a topic name breaks the limits, or `nil` when it fits.
    public func topicProblem(_ topic: String) -> String? {
        var counted = Substring(topic)
        if counted.hasPrefix("$aws/rules/") {
            let rest = counted.dropFirst("$aws/rules/".count)
            if let slash = rest.firstIndex(of: "/") { counted = rest[rest.index(after: slash)...] }
        }
        if counted.utf8.count > maximumTopicBytes {
            return "topic of \(counted.utf8.count) bytes (at most \(maximumTopicBytes))"
        }
        let slashes = counted.utf8.filter { $0 == UInt8(ascii: "/") }.count
        if slashes > maximumTopicSlashes { return "topic with \(slashes) '/' (at most \(maximumTopicSlashes))" }
        return nil
    }
}
