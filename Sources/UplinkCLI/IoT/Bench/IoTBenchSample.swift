/// Timings of one bench phase: how many, over how long, and their percentiles.
struct IoTBenchSample: Sendable {
    var durations: [Duration]
    var elapsed: Duration

    /// Items per second over the phase.
    var rate: Double { Double(durations.count) / max(elapsed.seconds, 1e-9) }

    /// The `quantile` (0...1) of the durations, in milliseconds (nearest rank).
    func percentile(_ quantile: Double) -> Double {
        guard !durations.isEmpty else { return 0 }
        let sorted = durations.sorted()
        let rank = Int((Double(sorted.count - 1) * quantile).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)].seconds * 1000
    }

    var p50: Double { percentile(0.5) }
    var p99: Double { percentile(0.99) }

    /// The sample of median rate among rounds of one phase (the lower middle of an even count).
    static func median(_ rounds: [IoTBenchSample]) -> IoTBenchSample {
        let sorted = rounds.sorted { $0.rate < $1.rate }
        guard !sorted.isEmpty else { return IoTBenchSample(durations: [], elapsed: .zero) }
        return sorted[(sorted.count - 1) / 2]
    }

    /// Runs `body` for `0..<count`, at most `width` at a time, timing each call and the whole.
    static func run(
        _ count: Int, width: Int, progress: IoTBenchProgress? = nil,
        _ body: @escaping @Sendable (Int) async throws -> Duration
    ) async throws -> IoTBenchSample {
        let start = ContinuousClock.now
        var durations: [Duration] = []
        durations.reserveCapacity(count)
        try await withThrowingTaskGroup(of: Duration.self) { group in
            var next = 0
            while next < min(width, count) {
                let index = next
                group.addTask { try await body(index) }
                next += 1
            }
            while let duration = try await group.next() {
                durations.append(duration)
                progress?.advance()
                if next < count {
                    let index = next
                    group.addTask { try await body(index) }
                    next += 1
                }
            }
        }
        progress?.finish()
        return IoTBenchSample(durations: durations, elapsed: ContinuousClock.now - start)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
