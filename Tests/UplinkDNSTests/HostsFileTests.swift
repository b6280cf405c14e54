import Foundation
import Testing
import UplinkDNS

@Suite("Hosts file", .timeLimit(.minutes(1)))
struct HostsFileTests {
    @Test("localhost is 127.0.0.1 with no file, an empty file, or one that names it elsewhere")
    func localhost() {
        #expect(HostsFile(path: "/nonexistent/uplink-hosts").ipv4Addresses(of: "localhost") == [[127, 0, 0, 1]])
        #expect(HostsFile(text: "").ipv4Addresses(of: "LOCALHOST.") == [[127, 0, 0, 1]])
        #expect(
            HostsFile(text: "127.0.1.1 localhost\n127.0.0.1 localhost\n").ipv4Addresses(of: "localhost")
                == [[127, 0, 0, 1], [127, 0, 1, 1]])
        #expect(HostsFile(text: "").ipv4Addresses(of: "other") == [])
    }

    @Test("Comments, aliases, case, IPv6-only names, malformed lines")
    func parsing() {
        let text = """
            # a comment line
            127.0.0.1\tlocalhost
            10.1.2.3   broker.lab  Broker-Alias   # trailing comment
            10.1.2.4 broker.lab
            10.1.2.3 broker.lab
            ::1 ip6-localhost ip6-loopback
            fe80::1%eth0 v6only.lab
            192.0.2.300 bad-octet.lab
            010.0.0.1 leading-zero.lab
            1.2.3 short.lab
            10.0.0.9
            not-an-address name.lab
            #10.0.0.8 commented.lab
            \r
            10.0.0.7 crlf.lab\r
            """
        let hosts = HostsFile(text: text)
        #expect(hosts.ipv4Addresses(of: "broker.lab") == [[10, 1, 2, 3], [10, 1, 2, 4]])
        #expect(hosts.ipv4Addresses(of: "broker-alias") == [[10, 1, 2, 3]])
        #expect(hosts.ipv4Addresses(of: "BROKER.LAB.") == [[10, 1, 2, 3], [10, 1, 2, 4]])
        for absent in [
            "ip6-localhost", "v6only.lab", "bad-octet.lab", "leading-zero.lab", "short.lab", "name.lab",
            "commented.lab", "trailing", "comment",
        ] {
            #expect(hosts.ipv4Addresses(of: absent) == [], "\(absent)")
        }
        #expect(hosts.ipv4Addresses(of: "crlf.lab") == [[10, 0, 0, 7]])
    }

    @Test("A file is read from its path, at most 1 MiB, the cut line dropped")
    func file() throws {
        let path = NSTemporaryDirectory() + "uplink-hosts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "10.9.8.7 first.lab\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(HostsFile(path: path).ipv4Addresses(of: "first.lab") == [[10, 9, 8, 7]])
        // A large file: the names within the first MiB count, the rest (and the cut line) do not.
        var big = "10.0.0.1 early.lab\n"
        let filler = "# " + String(repeating: "x", count: 1000) + "\n"
        while big.utf8.count < HostsFile.maximumFileSize - 10 { big += filler }
        big += "10.0.0.2 straddling.lab\n10.0.0.3 late.lab\n"
        try big.write(toFile: path, atomically: true, encoding: .utf8)
        let hosts = HostsFile(path: path)
        #expect(hosts.ipv4Addresses(of: "early.lab") == [[10, 0, 0, 1]])
        #expect(hosts.ipv4Addresses(of: "straddling.lab") == [])
        #expect(hosts.ipv4Addresses(of: "late.lab") == [])
    }
}
