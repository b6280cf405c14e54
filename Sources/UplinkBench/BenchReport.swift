import Foundation

/// The results of `uplink-bench at`, as a table or as JSON.
struct BenchReport: Codable, Sendable {
    var benchmark = "at"
    /// `release` or `debug`: only release figures mean anything.
    var build: String
    var lineBaud: Int
    var lineBytesPerSecond: Double
    var roundsPerChunk: Int
    var results: [ChunkResult]

    static var buildKind: String {
        #if DEBUG
            return "debug"
        #else
            return "release"
        #endif
    }

    // MARK: - JSON

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    // MARK: - Table

    func table() -> String {
        var out: [String] = []
        out.append("uplink-bench at: TCP echo through a software SPWF01 on a pseudo-terminal (\(build) build)")
        out.append(
            "line: \(lineBaud) baud = \(Self.grouped(lineBytesPerSecond)) B/s (10 bits a byte); "
                + "\(roundsPerChunk) round\(roundsPerChunk == 1 ? "" : "s") per chunk size, median shown")
        if build != "release" {
            out.append("warning: debug build; use swift run -c release uplink-bench at for real figures")
        }
        let roundTitles = (1...max(1, roundsPerChunk)).map { "round \($0)" }

        let unpaced = results.filter { $0.mode == .unpaced }
        if !unpaced.isEmpty {
            out.append("")
            out.append(
                "Unpaced (module output as fast as the pty takes it); goal: goodput ≥ "
                    + "\(Self.fixed(ChunkResult.unpacedGoalMultiple, 0))× line rate")
            var rows = [
                ["chunk", "payload/round"] + roundTitles.map { "\($0) B/s" } + ["median B/s", "× line", "result"]
            ]
            for result in unpaced {
                rows.append(
                    ["\(result.chunkBytes) B", ByteCount.format(result.payloadBytesPerRound)]
                        + result.rounds.map { Self.grouped($0.goodput) }
                        + [
                            Self.grouped(result.medianGoodput), Self.fixed(result.medianLineMultiple, 1) + "×",
                            result.pass ? "PASS" : "MISS",
                        ])
            }
            out.append(contentsOf: Self.layout(rows))
            out.append(contentsOf: Self.timing(unpaced))
        }

        let paced = results.filter { $0.mode == .paced }
        if !paced.isEmpty {
            out.append("")
            out.append(
                "Paced at \(lineBaud) baud (module output only); goal: goodput ≥ "
                    + "\(Self.fixed(ChunkResult.pacedGoalPercent, 0))% of what the AT framing allows")
            out.append(
                "  allowed = payload per cycle / module output per cycle × line rate; "
                    + "module output counted by the host as read")
            var rows = [
                ["chunk", "payload/round", "out/cycle", "allowed B/s"] + roundTitles
                    + ["median", "median B/s", "result"]
            ]
            for result in paced {
                rows.append(
                    [
                        "\(result.chunkBytes) B", ByteCount.format(result.payloadBytesPerRound),
                        Self.fixed(result.medianModuleOutputBytesPerCycle, 1) + " B",
                        Self.grouped(result.medianAllowedGoodput ?? .nan),
                    ]
                        + result.rounds.map { Self.percent($0.percentOfAllowed) }
                        + [
                            Self.percent(result.medianPercentOfAllowed), Self.grouped(result.medianGoodput),
                            result.pass ? "PASS" : "MISS",
                        ])
            }
            out.append(contentsOf: Self.layout(rows))
            out.append(contentsOf: Self.timing(paced))
        }

        out.append("")
        for result in results {
            let verdict = result.pass ? "PASS" : "MISS"
            switch result.mode {
            case .unpaced:
                out.append(
                    "\(verdict)  unpaced, \(result.chunkBytes)-byte chunks: \(Self.grouped(result.medianGoodput)) B/s = "
                        + "\(Self.fixed(result.medianLineMultiple, 1))× line rate (goal ≥ "
                        + "\(Self.fixed(result.threshold, 0))×)")
            case .paced:
                out.append(
                    "\(verdict)  paced, \(result.chunkBytes)-byte chunks: \(Self.grouped(result.medianGoodput)) B/s = "
                        + "\(Self.percent(result.medianPercentOfAllowed)) of the "
                        + "\(Self.grouped(result.medianAllowedGoodput ?? .nan)) B/s the AT framing allows (goal ≥ "
                        + "\(Self.fixed(result.threshold, 0))%)")
            }
        }
        return out.joined(separator: "\n")
    }

    /// Where a cycle's time goes, in the round with the median goodput.
    private static func timing(_ results: [ChunkResult]) -> [String] {
        var rows = [
            ["chunk", "µs/cycle", "SOCKW→OK", "wait WIND:55", "SOCKR→OK", "SOCKR/cycle", "WIND:55/cycle"]
        ]
        for result in results {
            guard let round = result.medianRound else { continue }
            let cycle = round.seconds * 1e6 / Double(round.cycles)
            rows.append([
                "\(result.chunkBytes) B", fixed(cycle, 1), fixed(round.socketWriteMicrosecondsPerCycle, 1),
                fixed(round.waitForDataMicrosecondsPerCycle, 1), fixed(round.socketReadMicrosecondsPerCycle, 1),
                fixed(Double(round.socketReads) / Double(round.cycles), 2),
                fixed(Double(round.pendingDataIndications) / Double(round.cycles), 2),
            ])
        }
        return ["", "  time per cycle in µs (median round), as the host sees it:"] + layout(rows)
    }

    /// Right-aligned columns (the first one left-aligned), two spaces apart.
    private static func layout(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = "  "
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                line += index == 0 ? cell + padding : "  " + padding + cell
            }
            return line
        }
    }

    // MARK: - Numbers

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// `97.4%`, or a dash when there is no figure.
    static func percent(_ value: Double?) -> String {
        value.map { fixed($0, 1) + "%" } ?? "—"
    }

    /// `value` rounded to an integer, with thousands separators: `9,216,000`.
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let digits = String(Int(value.rounded()).magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (value < 0 ? "-" : "") + text
    }

    /// A rate for progress lines: `9.22 MB/s`, `88.1 kB/s`.
    static func rate(_ bytesPerSecond: Double) -> String {
        bytesPerSecond >= 1_000_000
            ? fixed(bytesPerSecond / 1_000_000, 2) + " MB/s" : fixed(bytesPerSecond / 1000, 1) + " kB/s"
    }
}
