import ATCodec
import Foundation
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// The host driver's httpGet/httpPost through the module on a real pseudo-terminal, against Python's http.server.
@Suite("Host driver: HTTP through the module on a pty", .serialized, .timeLimit(.minutes(2)))
struct HTTPDriverTests {
    static let profiles: [ModuleProfile] = [.spwf01, .spwf04]

    @Test("GET and POST return status, headers and body; bodies that look like replies stay body", arguments: profiles)
    func getAndPost(profile: ModuleProfile) async throws {
        let peer = try await HTTPPeer.start()
        // No DNS on a test machine: `localhost` from the table, any other name unknown.
        let resolver = TableResolver(table: ["localhost": [IPv4Address(127, 0, 0, 1)]])
        let rig = try await DriverRig.start(profile, resolver: resolver) { $0.effectTimeout = .seconds(40) }
        defer {
            Task {
                await rig.stop(); await peer.stop()
            }
        }
        try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        try await rig.driver.setConfigurationValue("ip_http_get_recv_timeout", "30000")

        let hello = try await rig.driver.httpGet(host: "127.0.0.1", path: "/hello", port: peer.port)
        #expect(hello.status == 200)
        #expect(hello.reason == "OK")
        #expect(hello.version == "HTTP/1.0")
        #expect(hello.header("content-length") == "12")
        #expect(hello.header("Server") == "peer")
        #expect(hello.body == Array("hello world\n".utf8))

        let missing = try await rig.driver.httpGet(host: "localhost", path: "/missing", port: peer.port)
        #expect(missing.status == 404)
        #expect(missing.body == Array("no such page\n".utf8))

        let chunked = try await rig.driver.httpGet(host: "127.0.0.1", path: "/chunked", port: peer.port)
        #expect(chunked.body == Array("hello chunked world".utf8))
        #expect(chunked.header("Transfer-Encoding") == nil)

        // The echo's body holds the request's own CR LF lines; a 100 000-byte body arrives whole.
        let posted = try await rig.driver.httpPost(
            host: "127.0.0.1", path: "/echo", form: "a=1&b=%0D%0AOK%0D%0A", port: peer.port)
        #expect(posted.status == 200)
        let echoed = String(decoding: posted.body, as: UTF8.self)
        #expect(echoed.hasPrefix("POST /echo HTTP/1.1\r\n"))
        #expect(echoed.hasSuffix("\r\n\r\na=1&b=%0D%0AOK%0D%0A"))
        let big = try await rig.driver.httpGet(host: "127.0.0.1", path: "/big?n=100000", port: peer.port)
        #expect(big.body.count == 100_000)
        #expect(big.body.prefix(26) == Array("abcdefghijklmnopqrstuvwxyz".utf8)[...])

        // Failures are the module's typed errors; the driver goes on after them.
        do {
            _ = try await rig.driver.httpGet(host: "no-such-host.invalid", path: "/", port: peer.port)
            Issue.record("an unknown host answered")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError?.code == 86)
        }
        do {
            _ = try await rig.driver.httpGet(host: "127.0.0.1", path: "/garbage", port: peer.port)
            Issue.record("garbage was a response")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .httpBadResponse)
        }
        try await rig.driver.setConfigurationValue("ip_http_get_recv_timeout", "1000")
        do {
            _ = try await rig.driver.httpGet(host: "127.0.0.1", path: "/stall", port: peer.port)
            Issue.record("a stalled response completed")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .httpReceiveTimedOut)
        }
        let again = try await rig.driver.httpGet(host: "127.0.0.1", path: "/hello", port: peer.port)
        #expect(again.body == Array("hello world\n".utf8))
    }

    @Test("SPWF04: basic authentication; TLS and a user are refused for SPWF01 before anything is sent")
    func options() async throws {
        let peer = try await HTTPPeer.start()
        let rig = try await DriverRig.start(.spwf04)
        defer {
            Task {
                await rig.stop(); await peer.stop()
            }
        }
        try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        try await rig.driver.setConfigurationValue("ip_http_get_recv_timeout", "30000")
        let echoed = try await rig.driver.httpGet(
            host: "127.0.0.1", path: "/echo", port: peer.port, user: "user", password: "pass")
        #expect(String(decoding: echoed.body, as: UTF8.self).contains("Authorization: Basic dXNlcjpwYXNz\r\n"))
        #expect(throws: ATCommandError.self) {
            try ATDialect.spwf01.httpGetCommand(host: "h", path: "/", port: 80, tls: true)
        }
        #expect(throws: ATCommandError.self) {
            try ATDialect.spwf04.httpPostCommand(host: "h", path: "/", form: "a,b", port: 80)
        }
    }
}
