/// MQTT 3.1.1 encoding of the packets a client sends, with the version fixed where it is called.
///
/// Each entry gives the same bytes (and throws the same errors) as ``MQTTEncoder/encode(_:version:into:)`` with
/// version 3.1.1, but the packet's encoder is compiled for 3.1.1 alone: a client that encodes only through these
/// carries none of MQTT 5's encoding (properties, reason codes, subscription options), nor the encoders of the packets
/// a server sends. The firmware's `MQTTDeviceClient` does.
extension MQTTEncoder {
    /// Appends a 3.1.1 CONNECT (the protocol level is 4; properties are dropped).
    public static func encode311(connect packet: ConnectPacket, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        try packet.encode(version: .v3_1_1, into: &buffer)
    }

    /// Appends a 3.1.1 CONNECT with no will, user name or password (a device that authenticates with its TLS
    /// certificate): the bytes of ``encode311(connect:into:)`` for
    /// `ConnectPacket(clientIdentifier:cleanStart:keepAlive:)`, without the code for the will and the credentials.
    public static func encode311Connect(
        clientIdentifier: String, cleanSession: Bool, keepAlive: UInt16, into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        try ConnectPacket.encode311(
            clientIdentifier: clientIdentifier, cleanSession: cleanSession, keepAlive: keepAlive, into: &buffer)
    }

    /// Appends a 3.1.1 PUBLISH (properties are dropped).
    public static func encode311(publish packet: PublishPacket, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        try packet.encode(version: .v3_1_1, into: &buffer)
    }

    /// Appends a 3.1.1 PUBLISH from its fields: the bytes of ``encode311(publish:into:)`` for a packet with them,
    /// without making the packet (no properties to carry or drop).
    public static func encode311Publish(
        topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool = false, dup: Bool = false,
        packetIdentifier: UInt16?, into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        try PublishPacket.encode311(
            topic: topic, payload: payload, qos: qos, retain: retain, dup: dup, packetIdentifier: packetIdentifier,
            into: &buffer)
    }

    /// Appends a 3.1.1 PUBACK (the reason code and properties are dropped).
    public static func encode311(puback packet: PublishAckPacket, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        try packet.encode(type: .puback, version: .v3_1_1, into: &buffer)
    }

    /// Appends a 3.1.1 SUBSCRIBE (properties and the options other than QoS are dropped).
    public static func encode311(subscribe packet: SubscribePacket, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        try packet.encode(version: .v3_1_1, into: &buffer)
    }

    /// Appends a 3.1.1 SUBSCRIBE to one filter: the bytes of ``encode311(subscribe:into:)`` for a packet with that
    /// one subscription, without the code for several.
    public static func encode311Subscribe(
        packetIdentifier: UInt16, topicFilter: String, qos: MQTTQoS, into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        try SubscribePacket.encode311(
            packetIdentifier: packetIdentifier, topicFilter: topicFilter, qos: qos, into: &buffer)
    }

    /// Appends a 3.1.1 UNSUBSCRIBE (properties are dropped).
    public static func encode311(unsubscribe packet: UnsubscribePacket, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        try packet.encode(version: .v3_1_1, into: &buffer)
    }

    /// Appends a 3.1.1 DISCONNECT (two bytes: the reason code and properties are dropped).
    public static func encode311(disconnect packet: DisconnectPacket, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        try packet.encode(version: .v3_1_1, into: &buffer)
    }

    /// Appends a PINGREQ (the same two bytes in every version).
    public static func encode311Pingreq(into buffer: inout [UInt8]) {
        buffer.append(MQTTPacketType.pingreq.rawValue << 4)
        buffer.append(0)
    }
}
