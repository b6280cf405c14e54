import NIOCore
import NIOPosix
import Synchronization
import Testing
import UplinkModule
import UplinkTestSupport

/// The module shut down while its MQTT client is still busy: what the client does off the event loop (the abandoned
/// MQTTCONN's disconnect, the connect task's end) finishes before the loop is shut down. `scripts/test` runs SwiftNIO
/// in strict mode, where work scheduled on a loop already shut down crashes the process.
@Suite("SPWF04 MQTT client: the module shut down while MQTTCONN waits", .serialized, .timeLimit(.minutes(2)))
struct ModuleMQTTShutdownTests {
    /// Counts the connections a silent broker accepted and those that ended.
    final class Connections: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let opened = Atomic<Int>(0)
        let closed = Atomic<Int>(0)

        func channelActive(context: ChannelHandlerContext) {
            opened.add(1, ordering: .relaxed)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.add(1, ordering: .relaxed)
            context.fireChannelInactive()
        }
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    @Test("MQTTCONN to a broker that never sends CONNACK, then shut down: the client is stopped while the loop runs")
    func shutdownDuringConnect() async throws {
        let connections = Connections()
        // A broker that takes the connection and never says anything.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(connections) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = try #require(silent.localAddress?.port)
        let host = try await TestHost(profile: .spwf04) { $0.effectTimeout = .seconds(30) }
        try await host.read(through: "+WIND:0:Console active\r\n")
        try await host.joinWiFi()
        try await host.send("AT+S.MQTTCONN=127.0.0.1,\(port),,0,,,stuck,,,,,\r")
        #expect(try await Self.eventually(within: 10) { connections.opened.load(ordering: .relaxed) == 1 })

        // The engine abandons the pending MQTTCONN; stop() returns once its client has stopped, then the loop ends.
        await host.shutdown()
        #expect(try await Self.eventually(within: 10) { connections.closed.load(ordering: .relaxed) == 1 })
        // Longer than the client's own bound on a disconnect (2 s): work left behind would reach the dead loop now.
        try await Task.sleep(for: .milliseconds(2_500))
    }
}
