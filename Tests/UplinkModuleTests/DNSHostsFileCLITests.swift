import Testing
import UplinkTestSupport

@Suite("uplink dns and the hosts file", .timeLimit(.minutes(1)))
struct DNSHostsFileCLITests {
    @Test("localhost: DNS has no answer, but the module resolves it from the hosts file; exit 0, and said so")
    func localhost() async throws {
        // Port 1 on loopback refuses at once: no DNS answer, no traffic beyond this machine.
        let (status, output) = try await UplinkExecutable.run(
            ["dns", "localhost", "--server", "127.0.0.1:1", "--timeout", "0.2"], timeout: 30)
        #expect(status == 0, "\(output)")
        #expect(output.contains(";; hosts file: localhost is 127.0.0.1"), "\(output)")
        #expect(output.contains("every module profile resolves it from there, before DNS"), "\(output)")
        let (jsonStatus, json) = try await UplinkExecutable.run(
            ["dns", "localhost", "--server", "127.0.0.1:1", "--timeout", "0.2", "--json"], timeout: 30)
        #expect(jsonStatus == 0)
        #expect(json.contains("\"hostsFile\""), "\(json)")
        // A name in no hosts file and no DNS: exit 1, no hosts line.
        let (missingStatus, missing) = try await UplinkExecutable.run(
            ["dns", "no-such-name.test", "--server", "127.0.0.1:1", "--timeout", "0.2"], timeout: 30)
        #expect(missingStatus == 1)
        #expect(!missing.contains("hosts file"))
    }
}
