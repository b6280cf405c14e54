import Foundation
import Synchronization

/// A progress bar on standard error (`label [#####-----] done/total`), redrawn at most ten times a second.
final class IoTBenchProgress: Sendable {
    private struct State {
        var done = 0
        var lastDraw: ContinuousClock.Instant?
    }

    let label: String
    let total: Int
    let enabled: Bool
    private let state = Mutex(State())

    init(_ label: String, total: Int, enabled: Bool) {
        self.label = label
        self.total = max(1, total)
        self.enabled = enabled
        draw(0)
    }

    /// One more item done.
    func advance() {
        let done: Int? = state.withLock { state in
            state.done += 1
            let now = ContinuousClock.now
            if state.done < total, let last = state.lastDraw, now - last < .milliseconds(100) { return nil }
            state.lastDraw = now
            return state.done
        }
        if let done { draw(done) }
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ done: Int) {
        guard enabled else { return }
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
    }
}
