/// What one run measured: payload echoed through the module, the time it took, and the module's
/// output on the line, counted by the host as it read it.
struct RunMeasurement: Codable, Sendable {
    /// Bytes per SOCKW.
    var chunkBytes: Int
    /// SOCKW/read-back cycles.
    var cycles: Int
    /// Payload sent and echoed back (counted once).
    var payloadBytes: Int
    var seconds: Double
    /// Every byte the host read from the pty during the run: OKs, WINDs, SOCKR data.
    var moduleOutputBytes: Int
    /// Every byte the host wrote: commands and SOCKW data.
    var hostOutputBytes: Int
    /// Time from sending each SOCKW to its OK.
    var secondsInSocketWrite: Double
    /// Time waiting for a WIND 55 with no command in flight.
    var secondsWaitingForData: Double
    /// Time from sending each SOCKR to its OK.
    var secondsInSocketRead: Double
    var socketReads: Int
    var pendingDataIndications: Int

    /// Payload bytes per second.
    var goodput: Double { Double(payloadBytes) / seconds }

    /// Module output per cycle.
    var moduleOutputBytesPerCycle: Double { Double(moduleOutputBytes) / Double(cycles) }

    /// The goodput a line of `lineBytesPerSecond` allows with this framing: the payload share of the
    /// module's output times the line rate.
    func allowedGoodput(lineBytesPerSecond: Double) -> Double {
        Double(payloadBytes) / Double(moduleOutputBytes) * lineBytesPerSecond
    }

    /// Goodput as a percentage of ``allowedGoodput(lineBytesPerSecond:)`` (how busy the line was).
    func percentOfAllowed(lineBytesPerSecond: Double) -> Double {
        goodput / allowedGoodput(lineBytesPerSecond: lineBytesPerSecond) * 100
    }
}
