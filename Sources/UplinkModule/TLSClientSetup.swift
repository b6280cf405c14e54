import ATCodec
import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import UplinkCredentials
@_spi(FixedExpiryValidationTime) import X509

/// Everything one TLS client socket needs: the context built from the credential slots, the name to
/// check, the SNI to send, and the module's clock for validity.
///
/// Verification is Uplink's own (swift-certificates), not BoringSSL's, so that certificate dates are
/// checked against the module's clock (`AT+S.SETTIME`), the trust roots are exactly the CA slot, and
/// the name is the TLSDOMAIN (or SPWF04's common name, or the host name). TLS 1.2 is both the minimum
/// and the maximum: the SPWF01/SPWF04 firmware speaks TLS 1.2, and with 1.2 a server's refusal of the
/// client certificate shows at handshake time, as on the real module.
struct TLSClientSetup {
    let context: NIOSSLContext
    let roots: [Certificate]
    /// The name the server's certificate must carry (a host name or an IP address).
    let expectedName: String
    /// The SNI host name, or `nil` when connecting to an IP address.
    let serverNameIndication: String?
    /// The module's time when the socket opens.
    let validationTime: Date

    init(material: TLSMaterial, host: String, commonName: String?, alpn: [String], validationTime: Date) throws(ATError)
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        configuration.applicationProtocols = alpn
        do {
            let rootsNIO = try material.trustRoots.map { try NIOSSLCertificate(bytes: $0, format: .der) }
            configuration.trustRoots = .certificates(rootsNIO)
            configuration.certificateChain = try material.clientChain.map {
                .certificate(try NIOSSLCertificate(bytes: $0, format: .der))
            }
            if let key = material.privateKey {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .der))
            }
            context = try NIOSSLContext(configuration: configuration)
            roots = try material.trustRoots.map { try Certificate(derEncoded: $0) }
        } catch {
            throw .handshakeFailed("cannot use the stored credentials: \(error)")
        }
        expectedName = material.domain ?? commonName ?? host
        serverNameIndication = IPv4Address(host) == nil && !host.contains(":") ? host : nil
        self.validationTime = validationTime
    }

    /// Puts the TLS handler (with Uplink's verification) and a handshake watcher at the front of a
    /// connected channel's pipeline; the handshake starts at once. The future completes with it.
    func install(on channel: Channel) throws -> EventLoopFuture<Void> {
        let roots = self.roots
        let expected = expectedName
        let time = validationTime
        let failure = TLSFailureNote()
        let isIP = IPv4Address(expected) != nil || expected.contains(":")
        let handler = try NIOSSLClientHandler(
            context: context, serverHostname: serverNameIndication,
            customVerificationCallback: { peer, promise in
                let chain: [Certificate]
                do {
                    chain = try peer.map { try Certificate(derEncoded: try $0.toDERBytes()) }
                } catch {
                    failure.reason = "unparsable server certificate"
                    promise.succeed(.failed)
                    return
                }
                guard let leaf = chain.first else {
                    failure.reason = "the server sent no certificate"
                    promise.succeed(.failed)
                    return
                }
                promise.completeWithTask {
                    var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                        RFC5280Policy(fixedExpiryValidationTime: time)
                        ServerIdentityPolicy(serverHostname: isIP ? nil : expected, serverIP: isIP ? expected : nil)
                    }
                    let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
                    switch result {
                    case .validCertificate:
                        return .certificateVerified
                    case .couldNotValidate(let failures):
                        failure.reason = TLSClientSetup.explain(failures, leaf: leaf, time: time, expected: expected)
                        return .failed
                    }
                }
            })
        let watcher = TLSHandshakeWatcher(promise: channel.eventLoop.makePromise(), failure: failure)
        try channel.pipeline.syncOperations.addHandler(watcher, position: .first)
        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        return watcher.promise.futureResult
    }

    /// A short reason for a failed verification.
    static func explain(
        _ failures: [CertificateValidationResult.PolicyFailure], leaf: Certificate, time: Date, expected: String
    ) -> String {
        if time < leaf.notValidBefore {
            return "server certificate not valid yet at the module's time (\(Int(time.timeIntervalSince1970)))"
        }
        if time > leaf.notValidAfter {
            return "server certificate expired at the module's time (\(Int(time.timeIntervalSince1970)))"
        }
        if failures.isEmpty {
            return "server certificate not issued by a CA in the ca slot"
        }
        let text = failures.map { "\($0.policyFailureReason)" }.joined(separator: "; ")
        if text.localizedCaseInsensitiveContains("hostname") || text.localizedCaseInsensitiveContains("name")
            || text.localizedCaseInsensitiveContains("ip address")
        {
            return "server certificate does not match \(expected)"
        }
        if text.localizedCaseInsensitiveContains("expired") || text.localizedCaseInsensitiveContains("not yet valid") {
            return "a certificate of the chain is not valid at the module's time"
        }
        return text
    }
}

/// Where the verification callback leaves the reason for a failure, for the SOCKON error.
final class TLSFailureNote: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?

    var reason: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Completes a promise when the TLS handshake completes, or fails it with the reason.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let promise: EventLoopPromise<Void>
    private let failure: TLSFailureNote
    private var done = false

    init(promise: EventLoopPromise<Void>, failure: TLSFailureNote) {
        self.promise = promise
        self.failure = failure
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !done {
            done = true
            promise.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(with: error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(with: ChannelError.eof)
        context.fireChannelInactive()
    }

    private func finish(with error: any Error) {
        guard !done else { return }
        done = true
        let reason = failure.reason ?? TLSHandshakeWatcher.describe(error)
        promise.fail(ATError.handshakeFailed(reason))
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_REQUIRED") || text.contains("HANDSHAKE_FAILURE") && text.contains("ALERT") {
            return "the server refused the handshake (a client certificate is required or was refused): \(text)"
        }
        if text.contains("UNKNOWN_CA") || text.contains("BAD_CERTIFICATE") {
            return "the server refused the client certificate: \(text)"
        }
        if error as? ChannelError == .eof {
            return "the server closed the connection during the handshake"
        }
        return text
    }
}
