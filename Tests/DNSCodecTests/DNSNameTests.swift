import DNSCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct DNSNameTests {
    @Test func parsesWithAndWithoutTrailingDot() throws {
        let plain = try DNSName("www.example.com")
        let dotted = try DNSName("www.example.com.")
        #expect(plain == dotted)
        #expect(plain.labels == [Array("www".utf8), Array("example".utf8), Array("com".utf8)])
        #expect(plain.description == "www.example.com.")
        #expect(plain.wireLength == 17)
        #expect(plain.textLength == 15)
        #expect(plain.wireBytes == wireName("www", "example", "com"))
        #expect(plain.labelCount == 3)
    }

    @Test func root() throws {
        let root = try DNSName(".")
        #expect(root == .root)
        #expect(root.isRoot)
        #expect(root.description == ".")
        #expect(root.wireLength == 1)
        #expect(root.textLength == 0)
        #expect(root.wireBytes == [0])
    }

    @Test func equalityAndHashAreCaseInsensitive() throws {
        let upper = try DNSName("WWW.Example.COM")
        let lower = try DNSName("www.example.com")
        #expect(upper == lower)
        #expect(Set([upper, lower]).count == 1)
        #expect(upper.hashValue == lower.hashValue)
        // The original case is kept for display.
        #expect(upper.description == "WWW.Example.COM.")
        #expect(upper.lowercased().description == "www.example.com.")
        #expect(try DNSName("www.example.org") != lower)
        #expect(try DNSName("www.example.co") != lower)
    }

    @Test func labelLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(try DNSName("\(label63).com").labels[0].count == 63)
        #expect(throws: DNSNameError.labelTooLong(length: 64)) {
            try DNSName(String(repeating: "a", count: 64) + ".com")
        }
        #expect(throws: DNSNameError.labelTooLong(length: 64)) {
            try DNSName(labels: [[UInt8](repeating: 97, count: 64)])
        }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName("a..b") }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName(".a") }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName("a..") }
        #expect(throws: DNSNameError.empty) { try DNSName("") }
        #expect(throws: DNSNameError.emptyLabel) { try DNSName(labels: [[]]) }
    }

    /// 253 characters without the final dot is the longest name (255 octets on the wire).
    @Test func nameLengthLimit() throws {
        let label63 = String(repeating: "a", count: 63)
        let label61 = String(repeating: "b", count: 61)
        let longest = [label63, label63, label63, label61].joined(separator: ".")
        #expect(longest.count == 253)
        let parsed = try DNSName(longest)
        #expect(parsed.wireLength == 255)
        #expect(parsed.textLength == 253)
        #expect(try DNSName(longest + ".") == parsed)
        let tooLong = [label63, label63, label63, label61 + "c"].joined(separator: ".")
        #expect(tooLong.count == 254)
        #expect(throws: DNSNameError.nameTooLong(wireLength: 256)) { try DNSName(tooLong) }
        // 127 one-character labels are 253 characters; 128 are too many.
        let many = [String](repeating: "x", count: 127).joined(separator: ".")
        #expect(try DNSName(many).labelCount == 127)
        #expect(throws: DNSNameError.nameTooLong(wireLength: 257)) { try DNSName(many + ".y") }
    }

    @Test func escapes() throws {
        let dotted = try DNSName("a\\.b.example")
        #expect(dotted.labels.count == 2)
        #expect(dotted.labels[0] == Array("a.b".utf8))
        #expect(dotted.description == "a\\.b.example.")
        let binary = try DNSName("\\000\\255x.test")
        #expect(binary.labels[0] == [0, 255, 120])
        #expect(binary.description == "\\000\\255x.test.")
        #expect(try DNSName(labels: [Array("sp ace".utf8)]).description == "sp\\032ace.")
        #expect(try DNSName(binary.description) == binary)
        #expect(throws: DNSNameError.invalidEscape) { try DNSName("a\\") }
        #expect(throws: DNSNameError.invalidEscape) { try DNSName("a\\25") }
        #expect(throws: DNSNameError.invalidEscape) { try DNSName("a\\256") }
    }

    @Test func nonASCIIIsRejected() {
        #expect(throws: DNSNameError.nonASCII) { try DNSName("bücher.example") }
    }

    @Test func subdomains() throws {
        let name = try DNSName("www.example.com")
        #expect(name.isSubdomain(of: try DNSName("EXAMPLE.com")))
        #expect(name.isSubdomain(of: .root))
        #expect(name.isSubdomain(of: name))
        #expect(!name.isSubdomain(of: try DNSName("ample.com")))
        #expect(name.parent == (try DNSName("example.com")))
        #expect(DNSName.root.parent == .root)
    }

    @Test func recordTypesAndClasses() {
        #expect(DNSRecordType(mnemonic: "AAAA") == .AAAA)
        #expect(DNSRecordType(mnemonic: "aaaa") == .AAAA)
        #expect(DNSRecordType(mnemonic: "TYPE65") == .HTTPS)
        #expect(DNSRecordType(mnemonic: "type999") == DNSRecordType(999))
        #expect(DNSRecordType(mnemonic: "TYPE65536") == nil)
        #expect(DNSRecordType(mnemonic: "TYPE") == nil)
        #expect(DNSRecordType(mnemonic: "BOGUS") == nil)
        #expect(DNSRecordType(mnemonic: "*") == .ANY)
        #expect(DNSRecordType.TXT.description == "TXT")
        #expect(DNSRecordType(999).description == "TYPE999")
        for (text, type) in [
            ("A", DNSRecordType.A), ("NS", .NS), ("CNAME", .CNAME), ("SOA", .SOA), ("PTR", .PTR),
            ("MX", .MX), ("TXT", .TXT), ("OPT", .OPT), ("ANY", .ANY),
        ] {
            #expect(DNSRecordType(mnemonic: text) == type)
            #expect(type.description == text)
        }
        #expect(DNSClass(mnemonic: "in") == .IN)
        #expect(DNSClass(mnemonic: "CLASS7") == DNSClass(7))
        #expect(DNSClass(7).description == "CLASS7")
        #expect(DNSResponseCode.NXDOMAIN.description == "NXDOMAIN")
        #expect(DNSResponseCode(rawValue: 23).description == "RCODE23")
    }

    @Test func addresses() {
        #expect(DNSIPv4Address("192.0.2.1")?.bytes == [192, 0, 2, 1])
        #expect(DNSIPv4Address("192.0.2.1")?.description == "192.0.2.1")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.4."] {
            #expect(DNSIPv4Address(bad) == nil, "\(bad)")
        }
        let v6 = DNSIPv6Address("2001:db8::1")
        #expect(v6?.groups == [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])
        #expect(v6?.description == "2001:db8::1")
        #expect(DNSIPv6Address("::")?.description == "::")
        #expect(DNSIPv6Address("::1")?.description == "::1")
        #expect(DNSIPv6Address("1::")?.description == "1::")
        #expect(DNSIPv6Address("2001:db8:0:1:0:0:0:1")?.description == "2001:db8:0:1::1")
        #expect(DNSIPv6Address("2001:0:0:1:0:0:0:1")?.description == "2001:0:0:1::1")
        #expect(DNSIPv6Address("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        #expect(DNSIPv6Address("1:0:3:4:5:6:7:8")?.description == "1:0:3:4:5:6:7:8")
        #expect(DNSIPv6Address("::ffff:192.0.2.1")?.groups == [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])
        for bad in ["", ":", ":::", "1:2", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7:8:9", "1:", ":1"] {
            #expect(DNSIPv6Address(bad) == nil, "\(bad)")
        }
        #expect(DNSIPv6Address(bytes: [UInt8](repeating: 0, count: 15)) == nil)
    }
}
