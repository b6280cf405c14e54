import Testing

@testable import UplinkCredentials

@Suite("PEM blocks and text tables", .timeLimit(.minutes(1)))
struct PEMBlockTests {
    @Test func pemEndsWithANewlineAndHas64CharacterLines() {
        let block = PEMBlock(label: "CERTIFICATE", derBytes: [UInt8](repeating: 0x30, count: 100))
        let text = block.pemString
        #expect(text.hasSuffix("-----END CERTIFICATE-----\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.count <= 64 })
        #expect(lines[1].count == 64)
        #expect(block.pemSize == text.utf8.count)
        // Two blocks concatenated stay two blocks (swift-asn1's pemString has no final newline).
        let two = text + text
        #expect(!two.contains("----------"))
    }

    @Test func base64RoundTrip() throws {
        for count in 0..<70 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = Base64.encode(bytes)
            let decoded = try Base64.decode(lines: [(1, Array(encoded.utf8)[...])])
            #expect(decoded == bytes)
        }
    }

    @Test func headersAndSurroundingText() throws {
        let block = PEMBlock(label: "CERTIFICATE", derBytes: [0x30, 0x03, 0x02, 0x01, 0x05])
        let text = "Bag Attributes\n    localKeyID: 01\n" + block.pemString + "trailing words\n"
        let blocks = try PEMBlock.parseAll(Array(text.utf8))
        #expect(blocks.count == 1)
        #expect(blocks[0].derBytes == block.derBytes)
        #expect(blocks[0].line == 3)
    }

    @Test func textTableAlignsColumns() {
        var table = TextTable(["slot", "bytes"], alignments: [.left, .right])
        table.append(["ca", "1188"])
        table.append(["cert", "12"])
        #expect(table.render() == "slot  bytes\n----  -----\nca     1188\ncert     12\n")
    }

    @Test func ipAddresses() {
        #expect(IPAddressText.parse("127.0.0.1") == [127, 0, 0, 1])
        #expect(IPAddressText.parse("::1") == [UInt8](repeating: 0, count: 15) + [1])
        #expect(IPAddressText.format([UInt8](repeating: 0, count: 15) + [1]) == "::1")
        #expect(
            IPAddressText.format([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == "2001:db8::1")
        #expect(IPAddressText.parse("localhost") == nil)
        #expect(IPAddressText.parse("1.2.3.256") == nil)
    }
}
