import ATCodec
import Testing
import UplinkEmbedded

/// `SPWFHost`'s waits against a module that never stops talking: what a real module does not do on demand, so an
/// in-process port stands in for the UART.
@Suite("Embedded AT driver: deadlines against a chatty module", .timeLimit(.minutes(1)))
struct SPWFHostDeadlineTests {
    /// The clock advances 1 ms a reading; every read brings a WIND that no command waits for. After `limit` reads
    /// the port falls silent (so a driver that ignores its deadline while bytes come still ends, and the test can
    /// count how long it waited).
    final class Clock: @unchecked Sendable {
        var now: UInt64 = 0
        var reads = 0
    }

    struct ChattyPort: SPWFPort {
        let clock: Clock
        let limit: Int
        var written: [UInt8] = []

        mutating func write(_ bytes: [UInt8]) { written += bytes }

        mutating func read(into buffer: inout [UInt8]) {
            clock.reads += 1
            clock.now += 1
            if clock.reads <= limit { buffer += Array("+WIND:31:Noise\r\n".utf8) }
        }

        func milliseconds() -> UInt64 { clock.now }
    }

    @Test("a command the module never answers times out at its deadline, though a WIND arrives at every read")
    func commandDeadlineWhileWINDsFlow() {
        let clock = Clock()
        var host = SPWFHost(port: ChattyPort(clock: clock, limit: 1_000_000))
        host.commandTimeout = 500
        var failure: SPWFHostError?
        do throws(SPWFHostError) {
            try host.run(ATDialect.spwf01.attentionCommand)
        } catch {
            failure = error
        }
        guard case .timedOut? = failure else {
            Issue.record("expected a timeout, got \(String(describing: failure))")
            return
        }
        // The deadline was 500 ms; after it, the resynchronisation idles 200 ms. Without the deadline the driver
        // would read until the port fell silent (a million reads).
        #expect(clock.now < 1_000, "the driver waited \(clock.now) ms")
        #expect(host.port.written == Array("AT\r".utf8))
    }
}
