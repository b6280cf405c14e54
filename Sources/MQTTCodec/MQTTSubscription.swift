/// One topic filter with its options in a SUBSCRIBE packet.
public struct MQTTSubscription: Sendable, Equatable, Hashable {
    /// Topic filter, possibly with wildcards or in `$share/{ShareName}/{filter}` form.
    public var topicFilter: String
    /// Subscription options.
    public var options: MQTTSubscriptionOptions

    /// Creates a subscription entry.
    public init(topicFilter: String, options: MQTTSubscriptionOptions = MQTTSubscriptionOptions()) {
        self.topicFilter = topicFilter
        self.options = options
    }

    /// Creates a subscription entry with default options and the given QoS.
    public init(topicFilter: String, qos: MQTTQoS) {
        self.init(topicFilter: topicFilter, options: MQTTSubscriptionOptions(qos: qos))
    }
}
