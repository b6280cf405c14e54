import ATCodec
import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization
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
    /// Whether a client certificate is offered (the `cert` slot holds one).
    let sendsClientCertificate: Bool

    init(
        material: TLSMaterial, host: String, commonName: String?, alpn: [String], validationTime: Date
    ) throws(DetailedFailure) {
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
            throw DetailedFailure(error: .handshakeFailed, detail: "cannot use the stored credentials: \(error)")
        }
        sendsClientCertificate = !material.clientChain.isEmpty
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
                    failure.failure = DetailedFailure(
                        error: .tlsBadServerCertificate, detail: "unparsable server certificate: \(error)")
                    promise.succeed(.failed)
                    return
                }
                guard let leaf = chain.first else {
                    failure.failure = DetailedFailure(
                        error: .tlsBadServerCertificate, detail: "the server sent no certificate")
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
                        failure.serverVerified = true
                        return .certificateVerified
                    case .couldNotValidate(let failures):
                        failure.failure = TLSClientSetup.explain(
                            failures, chain: chain, roots: roots, time: time, expected: expected)
                        return .failed
                    }
                }
            })
        let watcher = TLSHandshakeWatcher(
            promise: channel.eventLoop.makePromise(), failure: failure, sentClientCertificate: sendsClientCertificate)
        try channel.pipeline.syncOperations.addHandler(watcher, position: .first)
        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        return watcher.promise.futureResult
    }

    /// The catalogue entry for a failed verification of the server's chain, with the detail for the log. The
    /// validity at the module's clock comes first (a clock that was never set is the usual cause), then the name,
    /// then the issuer.
    static func explain(
        _ failures: [CertificateValidationResult.PolicyFailure], chain: [Certificate], roots: [Certificate],
        time: Date, expected: String
    ) -> DetailedFailure {
        let clock = "the module's time \(Int(time.timeIntervalSince1970))"
        for (index, certificate) in chain.enumerated() {
            let which = index == 0 ? "server certificate" : "chain certificate \(index + 1)"
            if time < certificate.notValidBefore {
                return DetailedFailure(
                    error: .tlsCertificateNotYetValid,
                    detail:
                        "\(which) \(certificate.subject) is valid from \(certificate.notValidBefore), after \(clock)")
            }
            if time > certificate.notValidAfter {
                return DetailedFailure(
                    error: .tlsCertificateExpired,
                    detail: "\(which) \(certificate.subject) expired \(certificate.notValidAfter), before \(clock)")
            }
        }
        let subject = chain.first.map { "\($0.subject) (issuer \($0.issuer))" } ?? "the server certificate"
        if failures.isEmpty {
            let trusted = roots.map { "\($0.subject)" }.joined(separator: "; ")
            return DetailedFailure(
                error: .tlsUnknownCA, detail: "\(subject) not issued by a CA in the ca slot (\(trusted))")
        }
        let text = failures.map { "\($0.policyFailureReason)" }.joined(separator: "; ")
        if text.localizedCaseInsensitiveContains("hostname") || text.localizedCaseInsensitiveContains("name")
            || text.localizedCaseInsensitiveContains("ip address")
        {
            return DetailedFailure(error: .tlsNameMismatch, detail: "\(subject) does not match \(expected): \(text)")
        }
        if text.localizedCaseInsensitiveContains("not yet valid") {
            return DetailedFailure(error: .tlsCertificateNotYetValid, detail: "\(subject) at \(clock): \(text)")
        }
        if text.localizedCaseInsensitiveContains("expired") {
            return DetailedFailure(error: .tlsCertificateExpired, detail: "\(subject) at \(clock): \(text)")
        }
        return DetailedFailure(error: .tlsBadServerCertificate, detail: "\(subject): \(text)")
    }
}

/// Where the verification callback leaves the reason for a failure, for the SOCKON error.
final class TLSFailureNote: Sendable {
    private let stored = Mutex<DetailedFailure?>(nil)
    private let verified = Mutex(false)

    var failure: DetailedFailure? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }

    /// Whether the server's chain was verified: an alert after that is about the client's certificate (TLS 1.2
    /// sends the server's certificate before asking for the client's), one before it is not.
    var serverVerified: Bool {
        get { verified.withLock { $0 } }
        set { verified.withLock { $0 = newValue } }
    }
}

/// Completes a promise when the TLS handshake completes, or fails it with the reason.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let promise: EventLoopPromise<Void>
    private let failure: TLSFailureNote
    private let sentClientCertificate: Bool
    private var done = false

    init(promise: EventLoopPromise<Void>, failure: TLSFailureNote, sentClientCertificate: Bool) {
        self.promise = promise
        self.failure = failure
        self.sentClientCertificate = sentClientCertificate
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
        promise.fail(
            failure.failure
                ?? TLSHandshakeWatcher.classify(
                    error, sentClientCertificate: sentClientCertificate, serverVerified: failure.serverVerified))
    }

    /// The catalogue entry for a handshake that failed on the TLS library's side (an alert from the server, the
    /// connection closed), with the library's whole error as the detail. The cause is read from the name of the
    /// alert or of the library's reason.
    static func classify(_ error: any Error, sentClientCertificate: Bool, serverVerified: Bool) -> DetailedFailure {
        let text = String(describing: error)
        let detail =
            "\(text) (server certificate \(serverVerified ? "verified" : "not received yet"), client certificate "
            + "\(sentClientCertificate ? "stored" : "none"))"
        if closedByPeer(error) || text.contains("EOF during handshake") {
            return DetailedFailure(error: .tlsServerClosed, detail: detail)
        }
        if ["PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER"].contains(where: text.contains) {
            return DetailedFailure(error: .tlsProtocolVersion, detail: detail)
        }
        if text.contains("CERTIFICATE_REQUIRED") {
            return DetailedFailure(error: .tlsClientCertificateRequired, detail: detail)
        }
        // What a server sends when it wants a client certificate it did not get, or refuses the one it got — once
        // the server's own certificate was verified; before that the same alerts mean something else (no cipher
        // in common, say).
        let refusals = [
            "ALERT_HANDSHAKE_FAILURE", "ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_UNKNOWN",
            "ALERT_UNSUPPORTED_CERTIFICATE", "ALERT_CERTIFICATE_REVOKED", "ALERT_CERTIFICATE_EXPIRED",
            "ALERT_ACCESS_DENIED", "ALERT_DECRYPT_ERROR",
        ]
        if serverVerified, refusals.contains(where: text.contains) {
            return DetailedFailure(
                error: sentClientCertificate ? .tlsClientCertificateRefused : .tlsClientCertificateRequired,
                detail: detail)
        }
        return DetailedFailure(error: .handshakeFailed, detail: detail)
    }

    /// Whether the error is the server closing (or resetting) the connection.
    private static func closedByPeer(_ error: any Error) -> Bool {
        if let error = error as? ChannelError, error == .eof { return true }
        if let error = error as? NIOSSLError {
            switch error {
            case .uncleanShutdown, .handshakeFailed(.zeroReturn), .handshakeFailed(.syscallError): return true
            default: return false
            }
        }
        if let error = error as? IOError { return [ECONNRESET, EPIPE].contains(error.errnoCode) }
        return false
    }
}
