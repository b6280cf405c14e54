import MQTTCodec

/// libFuzzer entry point for the MQTT codec.
///
/// Every input must decode or throw without crashing, in both protocol versions, both one-shot and through the
/// incremental frame decoder fed in two chunks; a client's decoder (`nextFromServer()`, and `nextFrom311Server()`
/// and `nextFrom311QoS1Server()` in 3.1.1) agrees on what a server sends and refuses what only a client sends.
/// Whatever decodes must re-encode, and the re-encoding must decode
/// to the same packet; a violation of that invariant traps so libFuzzer records the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for version in [MQTTProtocolVersion.v3_1_1, .v5] {
        let oneShot = try? MQTTDecoder.decode(bytes, version: version)

        var decoder = MQTTFrameDecoder(version: version, maximumPacketSize: 1 << 20)
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        decoder.append(bytes[..<split])
        var first: MQTTPacket?
        var failed = false
        do {
            while let packet = try decoder.next() {
                checkRoundTrip(packet, version: decoder.version)
                if first == nil { first = packet }
            }
            decoder.append(bytes[split...])
            while let packet = try decoder.next() {
                checkRoundTrip(packet, version: decoder.version)
                if first == nil { first = packet }
            }
        } catch {
            failed = true
        }
        if let oneShot {
            // A complete single packet must come out of the stream decoder identically.
            if failed || first != oneShot { preconditionFailure("frame decoder disagrees with one-shot decoder") }
            checkRoundTrip(oneShot, version: decoder.version)
            // A client's decoder: the same packet, or its refusal of what only a client sends.
            var client = MQTTFrameDecoder(version: version, maximumPacketSize: 1 << 20)
            client.append(bytes)
            switch oneShot {
            case .connect, .subscribe, .unsubscribe, .pingreq:
                do {
                    _ = try client.nextFromServer()
                    preconditionFailure("a client's decoder took a packet only a client sends")
                } catch {
                    if error != .unexpectedPacketType(oneShot.packetType) {
                        preconditionFailure("a client's decoder refused a client packet with \(error)")
                    }
                }
            default:
                if (try? client.nextFromServer()) != oneShot {
                    preconditionFailure("a client's decoder disagrees with the one-shot decoder")
                }
                if version == .v3_1_1 {
                    var client311 = MQTTFrameDecoder(version: version, maximumPacketSize: 1 << 20)
                    client311.append(bytes)
                    if (try? client311.nextFrom311Server()) != oneShot {
                        preconditionFailure("a 3.1.1 client's decoder disagrees with the one-shot decoder")
                    }
                    // The QoS 0/1 client's decoder: the same packet in its own type, or its refusal of what such a
                    // client never gets (QoS 2, UNSUBACK, DISCONNECT).
                    var clientQoS1 = MQTTFrameDecoder(version: version, maximumPacketSize: 1 << 20)
                    clientQoS1.append(bytes)
                    if let expected = MQTT311ClientPacket(oneShot) {
                        if (try? clientQoS1.nextFrom311QoS1Server()) != expected {
                            preconditionFailure("a QoS 0/1 client's decoder disagrees with the one-shot decoder")
                        }
                    } else {
                        do {
                            _ = try clientQoS1.nextFrom311QoS1Server()
                            preconditionFailure("a QoS 0/1 client's decoder took \(oneShot.packetType)")
                        } catch {
                            if error != .unexpectedPacketType(oneShot.packetType) {
                                preconditionFailure("a QoS 0/1 client's decoder refused with \(error)")
                            }
                        }
                    }
                }
            }
        }
    }
    return 0
}

private func checkRoundTrip(_ packet: MQTTPacket, version: MQTTProtocolVersion) {
    guard let encoded = try? packet.encode(version: version) else {
        preconditionFailure("a decoded packet failed to encode")
    }
    guard let decoded = try? MQTTDecoder.decode(encoded, version: version), decoded == packet else {
        preconditionFailure("re-encoded packet does not decode to the same packet")
    }
}
