import ATCodec
import NIOCore

/// What a command handler asks the engine to do after it ran.
///
/// Handlers write their reply through ``ModuleEngine/emit(_:)`` and friends; a thrown ``ATError``
/// becomes the dialect's error line.
enum CommandOutcome {
    /// The reply is complete.
    case done
    /// Read exactly `length` raw bytes, then continue with the closure.
    case awaitBlock(length: Int, then: ([UInt8]) throws(ATError) -> CommandOutcome)
    /// The reply comes when the future completes (it fails with an ``ATError``), or the effect's
    /// deadline passes first (its ``PendingEffect/timeoutError``).
    case pending(EventLoopFuture<Void>, PendingEffect)
    /// Reboot the module (no final result line; WIND 2 and the boot WINDs follow).
    case reset
}

/// One AT command: its name, which dialects have it, a one-line summary for HELP, and its handler.
struct ATCommandSpec: Sendable {
    typealias Handler = @Sendable (ModuleEngine, ATCommandLine) throws(ATError) -> CommandOutcome

    let name: String
    let families: Set<ATDialect.Family>
    let summary: String
    let run: Handler

    /// A command both dialects have.
    init(_ name: String, _ summary: String, _ run: @escaping Handler) {
        self.init(name, [.spwf01, .spwf04], summary, run)
    }

    /// A command only some dialects have.
    init(_ name: String, _ families: Set<ATDialect.Family>, _ summary: String, _ run: @escaping Handler) {
        self.name = name
        self.families = families
        self.summary = summary
        self.run = run
    }
}
