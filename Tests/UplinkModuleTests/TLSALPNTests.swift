import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing
import UplinkCredentials
import UplinkModule

/// ALPN through `tls_alpn` (AWS IoT on port 443 needs `x-amzn-mqtt-ca`). mosquitto 2.0's listeners do
/// no ALPN, so the peer is an in-process swift-nio-ssl server that says what was negotiated.
@Suite("TLS sockets: ALPN through tls_alpn", .timeLimit(.minutes(1)))
struct TLSALPNTests {
    /// Writes `alpn=<protocol>` (or `alpn=none`) to the client once the handshake completes.
    final class ReportALPN: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
                var buffer = context.channel.allocator.buffer(capacity: 32)
                buffer.writeString("alpn=\(negotiated ?? "none")")
                context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
            }
            context.fireUserInboundEventTriggered(event)
        }
    }

    @Test("The offered protocols reach the server; none are offered by default", arguments: Wire.both)
    func alpn(wire: Wire) async throws {
        let pki = try DevPKI.generate(DevPKI.Options())
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: pki.server.certificate.derBytes, format: .der))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: pki.server.key.pkcs8DERBytes, format: .der)))
        configuration.applicationProtocols = ["x-amzn-mqtt-ca"]
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(ReportALPN())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let host = try await TestHost(profile: wire.profile)
        defer {
            Task {
                await host.shutdown(); try? await server.close(); try? await group.shutdownGracefully()
            }
        }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        let ca = Array(pki.root.certificate.pemString.utf8)
        try await host.send("AT+S.TLSCERT=\(wire.isSPWF01 ? "f_ca" : "ca"),\(ca.count)\r")
        try await host.send(bytes: ca)
        try await host.expect(wire.ok)
        if wire.isSPWF01 {
            try await host.send("AT+S.TLSDOMAIN=f_domain,localhost\r")
            try await host.expect(wire.ok)
        }
        let open =
            wire.isSPWF01 ? "AT+S.SOCKON=127.0.0.1,\(port),s,ind\r" : "AT+S.SOCKON=127.0.0.1,\(port),NULL,localhost\r"
        for (offer, expected) in [("", "alpn=none"), ("mqtt,x-amzn-mqtt-ca", "alpn=x-amzn-mqtt-ca")] {
            if !offer.isEmpty {
                try await host.send("AT+S.SCFG=tls_alpn,\(offer)\r")
                try await host.expect(wire.ok)
            }
            try await host.send(open)
            try await host.expect(wire.opened(0), timeout: .seconds(10))
            let count = expected.utf8.count
            try await host.expect(wire.pending(0, received: count, unread: count), timeout: .seconds(10))
            try await host.send("AT+S.SOCKR=0,\(count)\r")
            try await host.expect(wire.reading(expected, pending: count))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
        }
    }
}
