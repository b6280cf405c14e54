/// What happens when a publish finds the queue of unsent messages full.
///
/// The queue holds messages accepted but not yet sent: every message while the client is offline, and QoS 1/2
/// messages waiting for the in-flight window (the broker's Receive Maximum) while it is online. Its bound is
/// ``MQTTClientConfiguration/maximumQueuedMessages``.
public enum MQTTQueueOverflowPolicy: Sendable, Equatable {
    /// The new publish fails at once with ``MQTTClientError/queueFull``; nothing already accepted is lost.
    case reject
    /// The oldest queued message is dropped (its publish fails with ``MQTTClientError/droppedFromQueue``) to make
    /// room: keeps the freshest data, for telemetry that goes stale.
    case dropOldest
    /// The publish waits until there is room: backpressure to the producer.
    case wait
}
