/// The rounds of one mode and chunk size, their medians, and the verdict against the goal.
struct ChunkResult: Codable, Sendable {
    /// One round, with the figures derived from it.
    struct Round: Codable, Sendable {
        var seconds: Double
        var cycles: Int
        var payloadBytes: Int
        var moduleOutputBytes: Int
        var hostOutputBytes: Int
        var socketReads: Int
        var pendingDataIndications: Int
        /// Mean time per cycle from SOCKW to its OK, in microseconds.
        var socketWriteMicrosecondsPerCycle: Double
        /// Mean time per cycle waiting for WIND 55 with no command in flight, in microseconds.
        var waitForDataMicrosecondsPerCycle: Double
        /// Mean time per cycle from SOCKR to its OK (all SOCKRs of the cycle), in microseconds.
        var socketReadMicrosecondsPerCycle: Double
        /// Payload bytes per second.
        var goodput: Double
        /// Goodput over the line rate.
        var lineMultiple: Double
        /// Module output bytes per SOCKW/read-back cycle.
        var moduleOutputBytesPerCycle: Double
        /// Paced: what the line allows with the framing seen, payload / module output × line rate.
        var allowedGoodput: Double?
        /// Paced: goodput as a percentage of ``allowedGoodput``.
        var percentOfAllowed: Double?
    }

    var mode: PaceMode
    var chunkBytes: Int
    var payloadBytesPerRound: Int
    var rounds: [Round]
    var medianGoodput: Double
    var medianLineMultiple: Double
    var medianModuleOutputBytesPerCycle: Double
    /// Paced only.
    var medianAllowedGoodput: Double?
    /// Paced only.
    var medianPercentOfAllowed: Double?
    /// The round with the median goodput (the first of the two middle ones for an even count).
    var medianRound: Round? {
        let sorted = rounds.sorted { $0.goodput < $1.goodput }
        return sorted.isEmpty ? nil : sorted[(sorted.count - 1) / 2]
    }
    /// The goal, in words.
    var goal: String
    /// The figure the goal is about (× line rate unpaced, % of allowed paced) and its threshold.
    var measured: Double
    var threshold: Double
    var pass: Bool

    /// Unpaced: goodput at least this many times the line rate.
    static let unpacedGoalMultiple = 100.0
    /// Paced: goodput at least this share of what the framing allows on the line.
    static let pacedGoalPercent = 95.0

    init(mode: PaceMode, chunkBytes: Int, measurements: [RunMeasurement], lineBytesPerSecond: Double) {
        self.mode = mode
        self.chunkBytes = chunkBytes
        payloadBytesPerRound = measurements.first?.payloadBytes ?? 0
        rounds = measurements.map { run in
            Round(
                seconds: run.seconds, cycles: run.cycles, payloadBytes: run.payloadBytes,
                moduleOutputBytes: run.moduleOutputBytes, hostOutputBytes: run.hostOutputBytes,
                socketReads: run.socketReads, pendingDataIndications: run.pendingDataIndications,
                socketWriteMicrosecondsPerCycle: run.secondsInSocketWrite * 1e6 / Double(run.cycles),
                waitForDataMicrosecondsPerCycle: run.secondsWaitingForData * 1e6 / Double(run.cycles),
                socketReadMicrosecondsPerCycle: run.secondsInSocketRead * 1e6 / Double(run.cycles),
                goodput: run.goodput, lineMultiple: run.goodput / lineBytesPerSecond,
                moduleOutputBytesPerCycle: run.moduleOutputBytesPerCycle,
                allowedGoodput: mode == .paced ? run.allowedGoodput(lineBytesPerSecond: lineBytesPerSecond) : nil,
                percentOfAllowed: mode == .paced ? run.percentOfAllowed(lineBytesPerSecond: lineBytesPerSecond) : nil)
        }
        medianGoodput = Self.median(rounds.map(\.goodput))
        medianLineMultiple = Self.median(rounds.map(\.lineMultiple))
        medianModuleOutputBytesPerCycle = Self.median(rounds.map(\.moduleOutputBytesPerCycle))
        let allowed = rounds.compactMap(\.allowedGoodput)
        let percents = rounds.compactMap(\.percentOfAllowed)
        medianAllowedGoodput = allowed.isEmpty ? nil : Self.median(allowed)
        medianPercentOfAllowed = percents.isEmpty ? nil : Self.median(percents)
        switch mode {
        case .unpaced:
            goal = "goodput ≥ \(BenchReport.fixed(Self.unpacedGoalMultiple, 0))× the line rate"
            measured = medianLineMultiple
            threshold = Self.unpacedGoalMultiple
        case .paced:
            goal = "goodput ≥ \(BenchReport.fixed(Self.pacedGoalPercent, 0))% of what the AT framing allows"
            measured = medianPercentOfAllowed ?? 0
            threshold = Self.pacedGoalPercent
        }
        pass = measured >= threshold
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
