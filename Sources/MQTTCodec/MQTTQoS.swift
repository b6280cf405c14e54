/// Quality of service level of a message or subscription (§4.3).
public enum MQTTQoS: UInt8, Sendable, Equatable, Hashable, Comparable {
    /// QoS 0: fire and forget.
    case atMostOnce = 0
    /// QoS 1: acknowledged delivery (PUBACK).
    case atLeastOnce = 1
    /// QoS 2: assured single delivery (PUBREC/PUBREL/PUBCOMP).
    case exactlyOnce = 2

    /// Orders QoS levels by their numeric value.
    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
