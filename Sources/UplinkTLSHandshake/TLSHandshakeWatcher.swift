import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Completes a promise when the TLS handshake completes, or fails it with a ``TLSFailure`` saying why: the
/// verification callback's reason when it left one in the note, else the TLS library's error classified.
public final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    /// Completed by the handshake's outcome.
    public let promise: EventLoopPromise<Void>
    private let note: TLSFailureNote
    private let sentClientCertificate: Bool
    private var done = false

    public init(promise: EventLoopPromise<Void>, note: TLSFailureNote, sentClientCertificate: Bool) {
        self.promise = promise
        self.note = note
        self.sentClientCertificate = sentClientCertificate
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !done {
            done = true
            promise.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(with: error)
        context.fireErrorCaught(error)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish(with: ChannelError.eof)
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        finish(with: ChannelError.ioOnClosedChannel)
    }

    private func finish(with error: any Error) {
        guard !done else { return }
        done = true
        promise.fail(
            note.failure
                ?? TLSHandshakeWatcher.classify(
                    error, sentClientCertificate: sentClientCertificate, serverVerified: note.peerVerified))
    }

    /// The failure for a handshake that failed on the TLS library's side (an alert from the server, the
    /// connection closed), with the library's whole error as the detail. The cause is read from the name of the
    /// alert or of the library's reason.
    public static func classify(_ error: any Error, sentClientCertificate: Bool, serverVerified: Bool) -> TLSFailure {
        let text = String(describing: error)
        let detail =
            "\(text) (server certificate \(serverVerified ? "verified" : "not received yet"), client certificate "
            + "\(sentClientCertificate ? "stored" : "none"))"
        if closedByPeer(error) || text.contains("EOF during handshake") {
            return TLSFailure(.peerClosed, detail)
        }
        if ["PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER"].contains(where: text.contains) {
            return TLSFailure(.protocolVersion, detail)
        }
        if text.contains("CERTIFICATE_REQUIRED") {
            return TLSFailure(.clientCertificateRequired, detail)
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
            return TLSFailure(sentClientCertificate ? .clientCertificateRefused : .clientCertificateRequired, detail)
        }
        return TLSFailure(.handshakeFailed, detail)
    }

    /// Whether the error is the peer closing (or resetting) the connection.
    public static func closedByPeer(_ error: any Error) -> Bool {
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
