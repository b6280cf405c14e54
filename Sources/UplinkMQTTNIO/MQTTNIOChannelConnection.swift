import NIOCore
import UplinkMQTT

/// Turns a channel that is already connected (and, for TLS, already through its handshake) into an MQTT byte stream:
/// for transports that open their channels themselves, such as the software module's own MQTT client, which
/// resolves with the module's resolver and authenticates with its credential slots.
public enum MQTTNIOChannelConnection {
    /// Adds the byte-stream handler (with its read backpressure) at the end of `channel`'s pipeline and returns the
    /// connection the MQTT client reads and writes.
    public static func attach(to channel: any Channel) async throws -> any MQTTTransportConnection {
        let handler = try await channel.eventLoop.submit {
            let handler = MQTTByteStreamHandler()
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        return MQTTNIOConnection(channel: channel, handler: handler)
    }
}
