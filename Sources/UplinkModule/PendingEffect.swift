import ATCodec
import NIOCore

/// One effect in flight — a name lookup, a connect, a TLS handshake, a socket write, a ping — that the
/// engine waits for while it is busy.
///
/// The engine gives every effect a deadline (``ModuleOptions/effectTimeout``). When the deadline
/// passes, or a reset comes first, the effect is **abandoned**: its channels that are not yet a
/// socket of the module are closed (which fails whatever NIO future still waits on them, so no
/// promise is left behind), its ``onAbandon`` runs, and the stages of its future chain that come
/// later see ``isAbandoned`` and stop instead of opening a socket or printing a reply.
///
/// Confined to the engine's event loop, like the engine itself.
final class PendingEffect: @unchecked Sendable {
    /// The error printed when the deadline passes; a stage sets it as the effect moves on (a TLS
    /// handshake times out differently from a lookup).
    var timeoutError: ATError
    /// The deadline, counted from the moment the engine starts waiting.
    let timeout: TimeAmount
    /// Runs once when the effect is abandoned (the SOCKW deadline closes the socket that stalled).
    var onAbandon: (() -> Void)?
    private(set) var isAbandoned = false
    private var channels: [ObjectIdentifier: Channel] = [:]

    init(timeoutError: ATError, timeout: TimeAmount) {
        self.timeoutError = timeoutError
        self.timeout = timeout
    }

    /// A channel the effect opened and has not handed over yet; closed if the effect is abandoned
    /// (at once when it already is).
    func track(_ channel: Channel) {
        if isAbandoned {
            channel.close(promise: nil)
        } else {
            channels[ObjectIdentifier(channel)] = channel
        }
    }

    /// The channel became a socket of the module (or is closed already): no longer the effect's to close.
    func release(_ channel: Channel) {
        channels[ObjectIdentifier(channel)] = nil
    }

    /// Stops the effect: closes its channels and runs ``onAbandon``. Idempotent.
    func abandon() {
        guard !isAbandoned else { return }
        isAbandoned = true
        let open = channels.values
        channels.removeAll()
        for channel in open { channel.close(promise: nil) }
        let action = onAbandon
        onAbandon = nil
        action?()
    }
}

/// A stage of an effect ran after the effect was abandoned; never printed (the engine already moved on).
struct EffectAbandoned: Error {}

/// An effect's failure: the catalogue entry the host sees, and the detail that goes to the log only.
struct DetailedFailure: Error {
    var error: ATError
    var detail: String
}
