/// The parsed fixed header of a packet (§2.1).
public struct MQTTFixedHeader: Sendable, Equatable, Hashable {
    /// Packet type.
    public var packetType: MQTTPacketType
    /// The lower four bits of the first byte.
    public var flags: UInt8
    /// Number of bytes after the fixed header.
    public var remainingLength: Int
    /// Size of the fixed header itself (2...5 bytes).
    public var headerLength: Int

    /// Creates a fixed header description.
    public init(packetType: MQTTPacketType, flags: UInt8, remainingLength: Int, headerLength: Int) {
        self.packetType = packetType
        self.flags = flags
        self.remainingLength = remainingLength
        self.headerLength = headerLength
    }

    /// Total packet size: fixed header plus remaining length.
    public var packetLength: Int { headerLength + remainingLength }
}
