import CodecTestSupport
import MQTTCodec
import Testing

/// Random and mutated inputs must decode or throw, never crash or hang; whatever decodes must re-encode to
/// bytes that decode to the same packet.
@Suite(.timeLimit(.minutes(1))) struct RobustnessTests {
    static let versions: [MQTTProtocolVersion] = [.v3_1_1, .v5]

    /// Valid encodings to mutate (small ones only, so thousands of mutations stay fast).
    static func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for version in versions {
            for packet in Samples.all(version) {
                let bytes = try packet.encode(version: version)
                if bytes.count < 2_000 { seeds.append(bytes) }
            }
        }
        return seeds
    }

    /// Decodes `bytes` every way the library offers and checks the round-trip property on successes.
    func exercise(_ bytes: [UInt8]) throws {
        for version in Self.versions {
            // The one-shot decoder and the frame decoder must agree: a packet the first reads whole is the first
            // packet of the second. (Not the other way round: the one-shot decoder refuses trailing bytes first.)
            let oneShot = Result { () throws(MQTTDecodeError) in try MQTTDecoder.decode(bytes, version: version) }
            var decoder = MQTTFrameDecoder(version: version, maximumPacketSize: 65_536)
            decoder.append(bytes)
            var iterations = 0
            var first: Result<MQTTPacket, MQTTDecodeError>?
            while iterations <= bytes.count {
                iterations += 1
                let packet: MQTTPacket?
                do {
                    packet = try decoder.next()
                } catch {
                    if first == nil { first = .failure(error) }
                    // Sticky: the same error again.
                    #expect(throws: error) { try decoder.next() }
                    break
                }
                guard let packet else { break }
                if first == nil { first = .success(packet) }
                let reencoded = try packet.encode(version: decoder.version)
                #expect(try MQTTDecoder.decode(reencoded, version: decoder.version) == packet)
            }
            #expect(iterations <= bytes.count + 1)
            if case .success(let packet) = oneShot { #expect(first == .success(packet), "\(bytes)") }
        }
    }

    @Test func randomBytes() throws {
        var rng = SplitMix64(seed: 0x0BAD_C0DE)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...64, using: &rng)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try exercise(bytes)
        }
    }

    @Test func randomBodiesWithPlausibleHeaders() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let firstBytes: [UInt8] = [
            0x10, 0x20, 0x30, 0x32, 0x34, 0x3B, 0x40, 0x50, 0x62, 0x70, 0x82, 0x90, 0xA2, 0xB0,
            0xC0, 0xD0, 0xE0, 0xF0,
        ]
        for _ in 0..<3_000 {
            let first = firstBytes[Int.random(in: 0..<firstBytes.count, using: &rng)]
            let length = Int.random(in: 0...48, using: &rng)
            var body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias towards small numbers, which make plausible lengths and property ids.
            for index in body.indices where Bool.random(using: &rng) { body[index] &= 0x2F }
            try exercise(frame(first, body))
        }
    }

    @Test func mutatedValidPackets() throws {
        let seeds = try Self.seeds()
        var rng = SplitMix64(seed: 0xFEED_FACE)
        for _ in 0..<4_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                case 3: bytes.remove(at: index)
                case 4: bytes.removeLast(Int.random(in: 0...(bytes.count - index), using: &rng))
                default: bytes[index] = [0x00, 0x01, 0x7F, 0x80, 0xFF][Int.random(in: 0..<5, using: &rng)]
                }
            }
            try exercise(bytes)
            // Also with the remaining length repaired, so the mutation reaches the body parser.
            if bytes.count >= 2 {
                var headerLength = 2
                while headerLength < min(bytes.count, 5) && bytes[headerLength - 1] & 0x80 != 0 { headerLength += 1 }
                try exercise(frame(bytes[0], Array(bytes[min(headerLength, bytes.count)...])))
            }
        }
    }

    @Test func concatenatedStreamWithGarbageTail() throws {
        var rng = SplitMix64(seed: 7)
        let seeds = try Self.seeds()
        for _ in 0..<300 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                stream += seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            }
            stream += (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try exercise(stream)
        }
    }
}
