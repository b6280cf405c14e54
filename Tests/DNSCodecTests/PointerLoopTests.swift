import CodecTestSupport
import DNSCodec
import Foundation
import Synchronization
import Testing

/// Compression pointers must point strictly below the previous jump target (the first one below the start of the
/// name). Without the "previous jump target" half of that rule, a pointer can jump back to a pointer that jumps
/// forward again: the name never grows (no label is read), so neither the name length nor the label count stops
/// the loop, and the decoder spins forever. Every input here is a loop through pointers only, each jump after the
/// first landing at or above the previous target.
///
/// The same inputs seed the DNS fuzz corpus (`scripts/fuzz dns`).
@Suite("Compression pointer loops end in pointerNotBackward, never spin", .timeLimit(.minutes(1)))
struct PointerLoopTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let expected: DNSDecodeError
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // The 16-byte reply from issue 17: id C0 02 (a pointer to 2), flags C0 00 (a pointer to 0), one question
        // whose name is the pointer C0 00. 12 → 0 is backward; 0 → 2 is not below 0.
        Case(
            name: "the 16-byte reply: name → id → flags → id …",
            bytes: hex("C0 02 C0 00 00 01 00 00 00 00 00 00 C0 00 00 01"), expected: .pointerNotBackward(offset: 0)),
        // Entering the same loop at the flags: 12 → 2 → 0, then 0 → 2 is not below 0.
        Case(
            name: "name → flags → id → flags …",
            bytes: hex("C0 02 C0 00 00 01 00 00 00 00 00 00 C0 02 00 01"), expected: .pointerNotBackward(offset: 0)),
        // A pointer to itself, reached from below: 12 → 0, then 0 → 0.
        Case(
            name: "name → id, which points at itself",
            bytes: hex("C0 00 81 80 00 01 00 00 00 00 00 00 C0 00 00 01 00 01"),
            expected: .pointerNotBackward(offset: 0)),
        // A three-pointer cycle (id, flags and QDCOUNT are pointers): 12 → 4 → 0, then 0 → 2 is not below 0.
        Case(
            name: "a three-pointer cycle through id, flags and QDCOUNT",
            bytes: hex("C0 02 C0 04 C0 00 00 00 00 00 00 00 C0 04 00 01 00 01"),
            expected: .pointerNotBackward(offset: 0)),
        // A label first, then the loop: the label is read once; the loop itself adds nothing.
        Case(
            name: "a label, then name → id → flags …",
            bytes: hex("C0 02 C0 00 00 01 00 00 00 00 00 00 01 61 C0 00 00 01 00 01"),
            expected: .pointerNotBackward(offset: 0)),
        // The loop as the owner of an answer record, after a valid question.
        Case(
            name: "an answer's owner → id → flags …",
            bytes: hex("C0 02 C0 00 00 01 00 01 00 00 00 00") + wireName("h", "test") + u16(1) + u16(1)
                + record(owner: [0xC0, 0x00], type: 1, rdata: [192, 0, 2, 1]),
            expected: .pointerNotBackward(offset: 0)),
        // The loop inside the RDATA of a CNAME.
        Case(
            name: "a CNAME's RDATA → id → flags …",
            bytes: hex("C0 02 C0 00 00 01 00 01 00 00 00 00") + wireName("h", "test") + u16(1) + u16(1)
                + record(owner: [0xC0, 0x0C], type: 5, rdata: [0xC0, 0x00]),
            expected: .pointerNotBackward(offset: 0)),
    ]

    @Test(arguments: cases)
    func loopIsRefused(_ testCase: Case) async throws {
        let outcome = try await decodeWithDeadline(testCase.bytes)
        #expect(outcome == .failure(testCase.expected))
        let accepting = try await decodeWithDeadline(testCase.bytes, acceptingTruncation: true)
        #expect(accepting == .failure(testCase.expected))
    }

    /// Every prefix of the issue's reply ends (with an error) too: a cut loop is still a loop or a truncation.
    @Test func everyPrefixEnds() async throws {
        let reply = Self.cases[0].bytes
        for length in 0...reply.count {
            let outcome = try await decodeWithDeadline(Array(reply.prefix(length)))
            guard case .failure = outcome else {
                Issue.record("the first \(length) bytes decoded: \(outcome)")
                continue
            }
        }
    }

    /// Decodes on a thread of its own and waits at most `seconds` (polling, without blocking a thread of the
    /// concurrency pool): a decoder that loops fails the test instead of hanging the whole test process. The
    /// spinning thread is left behind; the test has failed by then.
    private func decodeWithDeadline(
        _ bytes: [UInt8], acceptingTruncation: Bool = false, seconds: Int = 10,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Result<DNSMessage, DNSDecodeError> {
        let box = OutcomeBox()
        Thread.detachNewThread {
            box.set(
                Result { () throws(DNSDecodeError) in
                    try DNSMessage.decode(bytes, acceptingTruncation: acceptingTruncation)
                })
        }
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            // Checked once more after the deadline: this task may itself have waited for a thread of a busy pool.
            if let outcome = box.get() { return outcome }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record(
            "the decoder did not finish within \(seconds) s (a compression loop?)", sourceLocation: sourceLocation)
        throw DecoderSpins()
    }
}

private struct DecoderSpins: Error {}

private final class OutcomeBox: Sendable {
    private let outcome = Mutex<Result<DNSMessage, DNSDecodeError>?>(nil)

    func set(_ value: Result<DNSMessage, DNSDecodeError>) { outcome.withLock { $0 = value } }
    func get() -> Result<DNSMessage, DNSDecodeError>? { outcome.withLock { $0 } }
}
