import ATCodec
import Foundation
import NIOCore
import NIOSSL
import UplinkCredentials
import UplinkTLS
import X509

/// Everything one TLS client socket needs: the context built from the credential slots, the name to
/// check, the SNI to send, and the module's clock for validity.
///
/// Verification is Uplink's own (swift-certificates), not BoringSSL's, so that certificate dates are
/// checked against the module's clock (`AT+S.SETTIME`), the trust roots are exactly the CA slot, and
/// the name is the TLSDOMAIN (or SPWF04's common name, or the host name) — checked against the certificate's DNS
/// names even when the socket opens to an IP address (NIOSSL's own host name check is off). TLS 1.2 is both the minimum
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
        // Verification stays on; the name is checked by Uplink's callback (TLSDOMAIN against the DNS names even when
        // the socket opens to an IP address), so NIOSSL's own host name check, which would check the IP, is off.
        configuration.certificateVerification = .noHostnameVerification
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
        serverNameIndication = TLSChainVerifier.isIPAddress(host) ? nil : host
        self.validationTime = validationTime
    }

    /// Puts the TLS handler (with Uplink's verification, the one check of chain and name) and a handshake watcher
    /// at the front of a connected channel's pipeline; the handshake starts at once. The future completes with it,
    /// or fails with a ``DetailedFailure`` from the catalogue.
    func install(on channel: Channel) throws -> EventLoopFuture<Void> {
        let verifier = TLSChainVerifier(
            roots: roots, expectedName: expectedName, validationTime: validationTime,
            wording: ("server certificate", "a CA in the ca slot", "the module's time"))
        let note = TLSFailureNote()
        let handler = try NIOSSLClientHandler(
            context: context, serverHostname: serverNameIndication,
            customVerificationCallback: verifier.callback(note: note))
        let watcher = TLSHandshakeWatcher(
            promise: channel.eventLoop.makePromise(), note: note, sentClientCertificate: sendsClientCertificate)
        try channel.pipeline.syncOperations.addHandler(watcher, position: .first)
        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        return watcher.promise.futureResult.flatMapErrorThrowing { error in
            guard let failure = error as? TLSFailure else { throw error }
            throw TLSClientSetup.detailed(failure)
        }
    }

    /// Starts TLS on a channel that `effect` connected: from now on the effect's deadline prints `handshakeTimedOut`.
    /// The future gives the channel back once the handshake is done; when it fails, or TLS cannot even start
    /// (`handshakeFailed`), the channel is closed and the future fails.
    func handshake(on channel: Channel, effect: PendingEffect) -> EventLoopFuture<Channel> {
        effect.timeoutError = .handshakeTimedOut
        do {
            return try install(on: channel).assumeIsolated().map { channel }.flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }.nonisolated()
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(
                DetailedFailure(error: .handshakeFailed, detail: "cannot start TLS: \(error)"))
        }
    }

    /// The catalogue entry for a TLS failure, with the detail for the log.
    static func detailed(_ failure: TLSFailure) -> DetailedFailure {
        let error: ATError
        switch failure.kind {
        case .badCertificate: error = .tlsBadServerCertificate
        case .notYetValid: error = .tlsCertificateNotYetValid
        case .expired: error = .tlsCertificateExpired
        case .unknownCA: error = .tlsUnknownCA
        case .nameMismatch: error = .tlsNameMismatch
        case .peerClosed: error = .tlsServerClosed
        case .protocolVersion: error = .tlsProtocolVersion
        case .clientCertificateRequired: error = .tlsClientCertificateRequired
        case .clientCertificateRefused: error = .tlsClientCertificateRefused
        case .handshakeFailed: error = .handshakeFailed
        }
        return DetailedFailure(error: error, detail: failure.detail)
    }
}
