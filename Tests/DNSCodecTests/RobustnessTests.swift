import CodecTestSupport
import DNSCodec
import Testing

/// Random and mutated inputs must decode or throw, never crash or hang; whatever decodes must re-encode to
/// bytes that decode to the same message.
@Suite(.timeLimit(.minutes(1))) struct RobustnessTests {
    static func seeds() -> [[UInt8]] {
        var seeds = [
            KnownEncodingTests.compressedReply, seedLikeReply().encode(), seedLikeReply().encode(compression: false),
        ]
        var truncated = seedLikeReply()
        truncated.header.isTruncated = true
        seeds.append(truncated.encode())
        var soa = DNSMessage(
            header: DNSHeader(id: 3, isResponse: true, responseCode: .NXDOMAIN),
            questions: [DNSQuestion(name: name("nope.example.test"), type: .AAAA)])
        soa.authorities = [
            DNSResourceRecord(
                name: name("example.test"), ttl: 300,
                data: .soa(
                    DNSSOAData(
                        mname: name("ns.example.test"), rname: name("root.example.test"), serial: 1, refresh: 2,
                        retry: 3, expire: 4, minimum: 5)))
        ]
        soa.additionals = [
            DNSResourceRecord(
                opt: DNSOPTRecord(
                    udpPayloadSize: 512, options: [DNSEDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))
        ]
        seeds.append(soa.encode())
        for data in RoundTripTests.samples {
            var message = DNSMessage(
                header: DNSHeader(id: 9, isResponse: true),
                questions: [DNSQuestion(name: name("q.test"), type: data.type)])
            message.answers = [DNSResourceRecord(name: name("q.test"), ttl: 1, data: data)]
            seeds.append(message.encode())
        }
        return seeds
    }

    /// Decodes both ways; on success, checks the round trip.
    func exercise(_ bytes: [UInt8]) throws {
        for accepting in [false, true] {
            guard let message = try? DNSMessage.decode(bytes, acceptingTruncation: accepting) else { continue }
            for compression in [true, false] {
                let reencoded = message.encode(compression: compression)
                #expect(try DNSMessage.decode(reencoded) == message)
            }
            _ = message.description
        }
    }

    @Test func randomBytes() throws {
        var rng = SplitMix64(seed: 0xD15C_0DE5)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...80, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Keep the counts small half of the time so the body gets parsed.
            if bytes.count >= 12 && Bool.random(using: &rng) {
                for index in [4, 6, 8, 10] { bytes[index] = 0 }
                bytes[5] = UInt8.random(in: 0...2, using: &rng)
                bytes[7] = UInt8.random(in: 0...3, using: &rng)
                bytes[11] = UInt8.random(in: 0...1, using: &rng)
            }
            try exercise(bytes)
        }
    }

    @Test func mutatedValidMessages() throws {
        var rng = SplitMix64(seed: 0x5EED_D115)
        let seeds = Self.seeds()
        var decodedCount = 0
        for iteration in 0..<20_000 {
            var bytes = seeds[iteration % seeds.count]
            let mutations = Int.random(in: 1...4, using: &rng)
            for _ in 0..<mutations {
                guard !bytes.isEmpty else { break }
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                case 2: bytes.removeSubrange(position...)
                case 3: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
                case 4: bytes.remove(at: position)
                case 5:
                    // A compression pointer to a random offset.
                    bytes[position] = 0xC0 | UInt8.random(in: 0...0x3F, using: &rng) & 0x03
                    if position + 1 < bytes.count { bytes[position + 1] = UInt8.random(in: 0...255, using: &rng) }
                default:
                    // Copy a random slice over another place (duplicated names, pointers, lengths).
                    let length = Int.random(in: 1...16, using: &rng)
                    let from = Int.random(in: 0..<bytes.count, using: &rng)
                    let slice = Array(bytes[from..<min(bytes.count, from + length)])
                    for (offset, byte) in slice.enumerated() where position + offset < bytes.count {
                        bytes[position + offset] = byte
                    }
                }
            }
            if (try? DNSMessage.decode(bytes)) != nil { decodedCount += 1 }
            try exercise(bytes)
        }
        // The mutations are small enough that a good share still decodes (so the round trip is exercised).
        #expect(decodedCount > 1_000)
    }

    @Test func everyPrefixOfAValidMessage() throws {
        for seed in Self.seeds() {
            for length in 0..<seed.count {
                let prefix = Array(seed[0..<length])
                #expect(throws: DNSDecodeError.self) { try DNSMessage.decode(prefix) }
                try exercise(prefix)
            }
        }
    }
}
