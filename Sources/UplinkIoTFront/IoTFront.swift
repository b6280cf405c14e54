import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import UplinkIoTRegistry
import UplinkTLS
import X509

/// `uplink iot serve`'s data plane: mutual-TLS MQTT listeners that admit devices as AWS IoT Core does (JITR,
/// JITP, certificate states), enforce device policies and broker limits, and forward accepted connections to a
/// real broker, reading every packet with the project's MQTT codec.
public final class IoTFront: Sendable {
    /// The ALPN protocol AWS IoT requires for MQTT with X.509 on port 443.
    public static let alpnProtocol = "x-amzn-mqtt-ca"

    public let configuration: IoTFrontConfiguration
    public let registry: any IoTRegistry
    let admission: IoTAdmission
    let clients = IoTClientTable()
    let certificateConnections = IoTCertificateConnections()
    let events: IoTEventPublisher
    let group: any EventLoopGroup
    private let state = NIOLockedValueBox<(channels: [Channel], ports: [Int], statusCheck: Task<Void, Never>?)>(
        ([], [], nil))

    /// A front over `registry`; nothing listens until ``start()``.
    public init(
        configuration: IoTFrontConfiguration, registry: any IoTRegistry,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.registry = registry
        self.group = group
        admission = IoTAdmission(registry: registry, account: configuration.account)
        events = IoTEventPublisher(
            host: configuration.brokerHost, port: configuration.brokerPort, logger: configuration.logger)
    }

    /// The bound ports: the MQTT port, then the ALPN port when there is one.
    public var ports: [Int] { state.withLockedValue { $0.ports } }

    /// Binds the listeners.
    public func start() async throws {
        let plain = try makeContext(alpn: [])
        var channels = [try await listen(port: configuration.mqttPort, context: plain, requiredALPN: nil)]
        if let alpnPort = configuration.alpnPort {
            let context = try makeContext(alpn: [Self.alpnProtocol])
            channels.append(try await listen(port: alpnPort, context: context, requiredALPN: Self.alpnProtocol))
        }
        let ports = channels.map { $0.localAddress?.port ?? 0 }
        let interval = max(0.05, configuration.statusCheckInterval)
        let statusCheck = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard let self, !Task.isCancelled else { return }
                await self.closeConnectionsOfInactiveCertificates()
            }
        }
        state.withLockedValue { $0 = (channels, ports, statusCheck) }
        configuration.logger.info(
            "listening on \(configuration.bindHost) ports \(ports.map(String.init).joined(separator: ", "))")
    }

    /// Closes the listeners and the event session (open device connections end with their peers).
    public func stop() async {
        let (channels, statusCheck) = state.withLockedValue { state in
            defer { (state.channels, state.statusCheck) = ([], nil) }
            return (state.channels, state.statusCheck)
        }
        statusCheck?.cancel()
        for channel in channels { try? await channel.close() }
        await events.close()
    }

    /// How many live (accepted) connections use the certificate `certificateId`.
    public func liveConnections(certificateId: String) -> Int { certificateConnections.count(certificateId) }

    /// Closes the live connections of every certificate that is no longer `ACTIVE` in the registry (another
    /// status, or deleted); runs every ``IoTFrontConfiguration/statusCheckInterval`` seconds. A registry error
    /// leaves the connections open (logged): the next check tries again.
    public func closeConnectionsOfInactiveCertificates() async {
        for id in certificateConnections.certificateIds {
            let status: IoTCertificateStatus?
            do {
                status = try await registry.certificate(id: id)?.status
            } catch {
                configuration.logger.error("registry error checking certificate \(id): \(error)")
                continue
            }
            guard status != .active else { continue }
            let reason = "certificate \(id) is \(status?.rawValue ?? "deleted")"
            let count = certificateConnections.closeAll(id, reason: reason)
            configuration.logger.notice("\(reason): \(count) live connection(s) closed")
        }
    }

    /// The server context: TLS ≥ 1.2, a client certificate required and verified by the front's own callback.
    private func makeContext(alpn: [String]) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: configuration.serverChain.map { .certificate($0) },
            privateKey: .privateKey(configuration.serverKey))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .noHostnameVerification
        tls.applicationProtocols = alpn
        return try NIOSSLContext(configuration: tls)
    }

    private func listen(port: Int, context: NIOSSLContext, requiredALPN: String?) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.setUp(channel, context: context, requiredALPN: requiredALPN)
                }
            }
            .bind(host: configuration.bindHost, port: port).get()
    }

    /// SNI first (no SNI, or anything that is not a TLS ClientHello: closed), then TLS with the admission in the
    /// verification callback, then the MQTT gate.
    private func setUp(_ channel: Channel, context: NIOSSLContext, requiredALPN: String?) throws {
        let logger = configuration.logger
        let peer = channel.remoteAddress.map { "\($0)" } ?? "?"
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(configuration.handshakeTimeout * 1000))) {
            logger.notice("\(peer): no TLS handshake within \(self.configuration.handshakeTimeout) s; closed")
            channel.close(promise: nil)
        }
        let decision = NIOLockedValueBox<IoTAdmittedConnection?>(nil)
        let sni = ByteToMessageHandler(
            SNIHandler { [self] result in
                guard case .hostname(let name) = result else {
                    logger.notice("\(peer): refused: no SNI in the ClientHello (or not TLS at all)")
                    deadline.cancel()
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let handler = NIOSSLServerHandler(
                        context: context, customVerificationCallback: self.verify(peer: peer, sni: name, into: decision)
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(
                        IoTDeviceHandler(
                            front: self, peer: peer, requiredALPN: requiredALPN, decision: decision, deadline: deadline)
                    )
                }
            })
        try channel.pipeline.syncOperations.addHandler(sni)
    }

    /// The verification callback: the admission decides; refusals fail the handshake, the rest completes it and
    /// the device handler acts on the decision.
    private func verify(peer: String, sni: String, into box: NIOLockedValueBox<IoTAdmittedConnection?>)
        -> NIOSSLCustomVerificationCallback
    {
        { [self] certificates, promise in
            let logger = configuration.logger
            let ders: [[UInt8]]
            let chain: [Certificate]
            do {
                ders = try certificates.map { try $0.toDERBytes() }
                chain = try ders.map { try Certificate(derEncoded: $0) }
            } catch {
                logger.notice("\(peer): refused: unparsable client certificate: \(error)")
                promise.succeed(.failed)
                return
            }
            guard let leafDER = ders.first else {
                logger.notice("\(peer): refused: no client certificate")
                promise.succeed(.failed)
                return
            }
            promise.completeWithTask {
                let decision = await self.admission.admit(chain: chain, leafDER: leafDER, now: Date())
                switch decision {
                case .refuse(let reason):
                    logger.notice("\(peer) (SNI \(sni)): refused at the handshake: \(reason)")
                    return .failed
                case .pending(let id, let event, let reason):
                    logger.notice("\(peer) (SNI \(sni)): certificate \(id): \(reason); the connection will be closed")
                    if event != nil { self.configuration.onRegistration?(id) }
                    box.withLockedValue { $0 = .pending(event) }
                    return .certificateVerified
                case .accept(let identity):
                    let loaded = await self.load(identity)
                    box.withLockedValue { $0 = .accepted(identity, policies: loaded.policies, things: loaded.things) }
                    return .certificateVerified
                }
            }
        }
    }

    /// The certificate's policies (parsed; an unparsable stored document is logged and skipped) and things.
    private func load(_ identity: IoTDeviceIdentity) async -> (policies: [IoTPolicyDocument], things: [String]) {
        let arn = identity.certificate.certificateArn
        var documents = [IoTPolicyDocument]()
        var things = [String]()
        do {
            for policy in try await registry.attachedPolicies(target: arn) {
                do {
                    documents.append(try IoTPolicyDocument(json: policy.policyDocument))
                } catch {
                    configuration.logger.error("policy \(policy.policyName) ignored: \(error)")
                }
            }
            things = try await registry.thingNames(principal: arn)
        } catch {
            configuration.logger.error("registry error loading the policies of \(arn): \(error)")
        }
        return (documents, things)
    }
}

/// What the handshake decided for one connection.
enum IoTAdmittedConnection: Sendable {
    case accepted(IoTDeviceIdentity, policies: [IoTPolicyDocument], things: [String])
    case pending(IoTRegistrationEvent?)
}
