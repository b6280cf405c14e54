import Foundation
import MQTTCodec
import Testing
import UplinkMQTT

#if canImport(Glibc)
    import Glibc
#endif

/// One flipped byte in the middle of `session.log` made the loader stop there, and the next compaction deleted every
/// later record (issue 12). Now the loader resynchronises on the next valid record, reports the damage and keeps the
/// damaged file; only a torn tail is dropped quietly.
@Suite("File session store: a damaged log is recovered around the damage, reported and kept")
struct SessionLogDamageTests {
    static let count = 10

    static func message(_ index: Int) -> MQTTMessage {
        MQTTMessage(topic: "t/\(index)", string: "message \(index)", qos: .atLeastOnce)
    }

    /// Writes `count` accepted records; returns the log's bytes and each record's start offset.
    static func writeLog(_ directory: String) async throws -> (bytes: [UInt8], offsets: [Int]) {
        let store = try await MQTTFileSessionStore.open(directory: directory)
        for index in 1...count {
            store.append([.accepted(sequence: UInt64(index), message: message(index))])
            try store.sync()
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/session.log")))
        var offsets: [Int] = []
        var offset = 0
        for index in 1...count {
            offsets.append(offset)
            var record: [UInt8] = []
            MQTTSessionLogCodec.encode(.accepted(sequence: UInt64(index), message: message(index)), into: &record)
            offset += record.count
        }
        #expect(offset == bytes.count, "the log is the records, in order")
        return (bytes, offsets)
    }

    struct Flip: Sendable, CustomTestStringConvertible {
        /// The record (0-based) whose byte is flipped, and where in it.
        let record: Int
        let byte: Int
        var testDescription: String { "record \(record + 1), byte \(byte)" }
    }

    @Test(
        "a flipped byte costs exactly its record; the records after it survive, and survive the next compaction",
        arguments: [
            Flip(record: 0, byte: 10),  // the first record's body
            Flip(record: 4, byte: 2),  // a length field in the middle
            Flip(record: 4, byte: 6),  // a checksum in the middle
            Flip(record: 7, byte: 20),  // a body near the end
            Flip(record: 9, byte: 12),  // the last record's body: complete, so damage, not a torn tail
        ])
    func flippedByte(_ flip: Flip) async throws {
        let folder = try MQTTScratch("damage")
        let directory = folder.path("session")
        let (bytes, offsets) = try await Self.writeLog(directory)
        var damaged = bytes
        damaged[offsets[flip.record] + flip.byte] ^= 0x20
        try Data(damaged).write(to: URL(fileURLWithPath: directory + "/session.log"))
        let before = MQTTFileSessionStore.damagedLogCount

        let surviving = try await { () async throws -> Set<UInt64> in
            let store = try await MQTTFileSessionStore.open(directory: directory)
            let expected = Set((1...Self.count).filter { $0 != flip.record + 1 }.map(UInt64.init))
            #expect(Set(try store.load().outbound.keys) == expected)
            let damage = try #require(store.damage, "the damage is reported")
            #expect(damage.recoveredRecords == Self.count - 1 - flip.record)
            #expect(damage.damagedRanges.first?.lowerBound == offsets[flip.record])
            #expect(MQTTFileSessionStore.damagedLogCount > before)
            // The damaged log is kept byte for byte, readable only by its owner.
            #expect(damage.savedCopy == directory + "/session.log.damaged-1")
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: damage.savedCopy))) == damaged)
            var info = stat()
            #expect(stat(damage.savedCopy, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)

            // More records, a sync, a reopen: nothing recovered is lost by the rewrite.
            store.append([.completed(sequence: UInt64(flip.record == 0 ? 2 : 1))])
            try store.sync()
            let surviving = expected.subtracting([UInt64(flip.record == 0 ? 2 : 1)])
            return surviving
        }()
        let reopened = try await MQTTFileSessionStore.open(directory: directory)
        #expect(Set(try reopened.load().outbound.keys) == surviving)
        #expect(reopened.damage == nil, "the rewritten log is clean")
    }

    @Test("two damaged places: every record between and after them is recovered")
    func twoDamages() async throws {
        let folder = try MQTTScratch("damage")
        let directory = folder.path("session")
        let (bytes, offsets) = try await Self.writeLog(directory)
        var damaged = bytes
        damaged[offsets[2] + 15] ^= 0xFF
        damaged[offsets[6] + 9] ^= 0x01
        try Data(damaged).write(to: URL(fileURLWithPath: directory + "/session.log"))
        let store = try await MQTTFileSessionStore.open(directory: directory)
        #expect(Set(try store.load().outbound.keys) == [1, 2, 4, 5, 6, 8, 9, 10])
        #expect(store.damage?.damagedRanges.count == 2)
    }

    @Test("a torn tail (a record cut short, or zero fill) is dropped quietly: no damage, no copy")
    func tornTail() async throws {
        for tail in [[0, 0, 0, 200, 9, 9, 9] as [UInt8], [UInt8](repeating: 0, count: 64), [1, 2]] {
            let folder = try MQTTScratch("torn")
            let directory = folder.path("session")
            let (bytes, offsets) = try await Self.writeLog(directory)
            // The last record cut in half, then the tail.
            let cut = Array(bytes[..<(offsets[9] + 12)]) + tail
            try Data(cut).write(to: URL(fileURLWithPath: directory + "/session.log"))
            let store = try await MQTTFileSessionStore.open(directory: directory)
            #expect(Set(try store.load().outbound.keys) == Set(1...9))
            #expect(store.damage == nil)
            #expect(!FileManager.default.fileExists(atPath: directory + "/session.log.damaged-1"))
        }
    }

    @Test("compaction: N syncs over a large live log do not rewrite it N times")
    func compactionIsAmortised() async throws {
        let folder = try MQTTScratch("compact")
        let directory = folder.path("session")
        let store = try await MQTTFileSessionStore.open(directory: directory)
        // About 5 MiB of live (never completed) messages: above the old fixed 4 MiB threshold.
        let payload = [UInt8](repeating: 0x42, count: 64 * 1024)
        for index in 1...80 {
            store.append([
                .accepted(
                    sequence: UInt64(index), message: MQTTMessage(topic: "t", payload: payload, qos: .atLeastOnce))
            ])
            try store.sync()
        }
        let afterFill = store.compactionCount
        for index in 1...50 {
            store.append([.inboundReceived(UInt16(index), digest: 1)])
            try store.sync()
        }
        #expect(store.compactionCount - afterFill <= 1, "\(store.compactionCount - afterFill) rewrites for 50 syncs")
        #expect(store.compactionThreshold >= MQTTFileSessionStore.minimumCompactionThreshold)
        // Completed records are still dropped eventually: completing everything and writing past the threshold
        // compacts the log to nearly nothing.
        for index in 1...80 { store.append([.completed(sequence: UInt64(index))]) }
        try store.sync()
        let filler = [UInt8](repeating: 0x43, count: 64 * 1024)
        var sequence: UInt64 = 1000
        while store.compactionThreshold > MQTTFileSessionStore.minimumCompactionThreshold || sequence < 1100 {
            sequence += 1
            store.append([
                .accepted(sequence: sequence, message: MQTTMessage(topic: "f", payload: filler, qos: .atLeastOnce)),
                .completed(sequence: sequence),
            ])
            try store.sync()
            if sequence > 2000 { break }
        }
        #expect(try store.load().outbound.isEmpty)
        #expect(store.compactionThreshold == MQTTFileSessionStore.minimumCompactionThreshold)
    }
}
