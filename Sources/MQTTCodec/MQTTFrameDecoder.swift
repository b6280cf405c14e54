/// Incremental decoder for an MQTT byte stream.
///
/// Append bytes as they arrive and call ``next()`` until it returns `nil`. The fixed header is checked as soon
/// as its bytes are present, so an oversized packet is rejected before its body is buffered, and nothing is
/// ever allocated from a length read off the wire. Consumed bytes are dropped in amortized O(1) per byte.
///
/// Errors are sticky: after ``next()`` throws, the stream is unusable (MQTT requires closing the connection) and
/// every later call throws the same error until ``reset()``.
public struct MQTTFrameDecoder: Sendable {
    /// The largest possible MQTT packet: 1 + 4 + 268,435,455 bytes.
    public static let protocolMaximumPacketSize = 268_435_460

    /// The protocol version used to parse packets; a decoded CONNECT switches it to the CONNECT's level.
    public var version: MQTTProtocolVersion
    /// Packets larger than this (fixed header included) throw ``MQTTDecodeError/packetTooLarge(size:maximum:)``.
    public var maximumPacketSize: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: MQTTDecodeError?

    /// Creates a decoder for `version` with an optional packet size limit.
    public init(version: MQTTProtocolVersion, maximumPacketSize: Int = MQTTFrameDecoder.protocolMaximumPacketSize) {
        self.version = version
        self.maximumPacketSize = maximumPacketSize
    }

    /// Number of received bytes not yet returned as packets.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete packet, or `nil` if more bytes are needed.
    public mutating func next() throws(MQTTDecodeError) -> MQTTPacket? {
        try nextPacket { (bytes, start, header, version) throws(MQTTDecodeError) in
            try MQTTDecoder.decodeBody(bytes, at: start, header: header, version: version)
        }
    }

    /// A client's ``next()``: returns the next complete packet a server sends, or `nil` if more bytes are needed. A
    /// packet only a client sends (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ) throws
    /// ``MQTTDecodeError/unexpectedPacketType(_:)``; every other packet decodes as ``next()`` decodes it. A client
    /// that reads with this alone does not carry the decoders of those packets (a firmware's image is smaller).
    public mutating func nextFromServer() throws(MQTTDecodeError) -> MQTTPacket? {
        try nextPacket { (bytes, start, header, version) throws(MQTTDecodeError) in
            (try MQTTDecoder.decodeServerBody(bytes, at: start, header: header, version: version), version)
        }
    }

    /// A 3.1.1 client's ``nextFromServer()``: decodes with MQTT 3.1.1's rules, whatever ``version`` held (it is set to
    /// 3.1.1). The rules are fixed where the client calls this, not read from ``version`` at run time, so a client
    /// that reads with it alone carries none of MQTT 5's decoding (properties, reason codes, AUTH): the firmware's
    /// `MQTTDeviceClient` does.
    public mutating func nextFrom311Server() throws(MQTTDecodeError) -> MQTTPacket? {
        version = .v3_1_1
        return try nextPacket { (bytes, start, header, _) throws(MQTTDecodeError) in
            (try MQTTDecoder.decodeServerBody(bytes, at: start, header: header, version: .v3_1_1), .v3_1_1)
        }
    }

    /// A 3.1.1 client's decoder for a client that publishes and subscribes at QoS 0 and 1 only and never
    /// unsubscribes: the next complete packet as an ``MQTT311ClientPacket``, or `nil` if more bytes are needed. The
    /// packets such a client never gets (PUBLISH at QoS 2, PUBREC, PUBREL, PUBCOMP, UNSUBACK, DISCONNECT, and those
    /// only a client sends) throw ``MQTTDecodeError/unexpectedPacketType(_:)``; the others are checked as ``nextFrom311Server()`` checks
    /// them. A client that reads with it alone carries no ``MQTTPacket`` and none of MQTT 5's decoding (the
    /// firmware's `MQTTDeviceClient`).
    public mutating func nextFrom311QoS1Server() throws(MQTTDecodeError) -> MQTT311ClientPacket? {
        version = .v3_1_1
        return try nextPacket { (bytes, start, header, _) throws(MQTTDecodeError) in
            (try MQTTDecoder.decode311QoS1ClientBody(bytes, at: start, header: header), .v3_1_1)
        }
    }

    /// The framing of ``next()``, ``nextFromServer()`` ``nextFrom311Server()`` and ``nextFrom311QoS1Server()``, with the body decoded by
    /// `decodeBody`.
    private mutating func nextPacket<Packet>(
        _ decodeBody: ([UInt8], Int, MQTTFixedHeader, MQTTProtocolVersion) throws(MQTTDecodeError) -> (
            Packet, MQTTProtocolVersion
        )
    ) throws(MQTTDecodeError) -> Packet? {
        if let failure { throw failure }
        do {
            guard
                let header = try MQTTDecoder.parseFixedHeader(
                    buffer,
                    at: readIndex,
                    version: version,
                    maximumPacketSize: maximumPacketSize
                )
            else { return nil }
            guard buffer.count - readIndex >= header.packetLength else { return nil }
            let (packet, packetVersion) = try decodeBody(buffer, readIndex, header, version)
            readIndex += header.packetLength
            version = packetVersion
            return packet
        } catch {
            failure = error
            throw error
        }
    }

    /// Drops all buffered bytes and any stored error.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        readIndex = 0
        failure = nil
    }

    /// Removes consumed bytes once they make up at least half of the buffer, so each byte is moved at most a
    /// bounded number of times.
    private mutating func compact() {
        if readIndex == 0 { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 1024 && readIndex * 2 >= buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
