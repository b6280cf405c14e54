/// When the server sends retained messages for a new subscription (MQTT 5 Retain Handling, §3.8.3.1).
public enum MQTTRetainHandling: UInt8, Sendable, Equatable, Hashable {
    /// 0: send retained messages at the time of the subscribe.
    case sendOnSubscribe = 0
    /// 1: send retained messages only if the subscription did not already exist.
    case sendOnSubscribeIfNew = 1
    /// 2: do not send retained messages.
    case doNotSend = 2
}

/// The subscription options byte of a SUBSCRIBE entry (§3.8.3.1).
///
/// MQTT 3.1.1 carries only the QoS; the other options are dropped when encoding 3.1.1.
public struct MQTTSubscriptionOptions: Sendable, Equatable, Hashable {
    /// Maximum QoS the server may use to deliver to this subscription.
    public var qos: MQTTQoS
    /// No Local: do not forward messages published by this client (MQTT 5).
    public var noLocal: Bool
    /// Retain As Published: keep the retain flag of forwarded messages (MQTT 5).
    public var retainAsPublished: Bool
    /// Retain Handling (MQTT 5).
    public var retainHandling: MQTTRetainHandling

    /// Creates subscription options.
    public init(
        qos: MQTTQoS = .atMostOnce,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: MQTTRetainHandling = .sendOnSubscribe
    ) {
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }

    /// The options byte for the given version.
    public func encoded(version: MQTTProtocolVersion) -> UInt8 {
        var byte = qos.rawValue
        if version == .v5 {
            if noLocal { byte |= 0x04 }
            if retainAsPublished { byte |= 0x08 }
            byte |= retainHandling.rawValue << 4
        }
        return byte
    }
}
