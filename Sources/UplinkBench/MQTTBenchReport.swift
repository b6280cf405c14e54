import Foundation

/// The summary table: medians per client and QoS, ratios to the C clients, peak publisher memory, connects/s.
enum MQTTBenchReport {
    /// The goals of the MQTT issue.
    static let rateGoal = 1.0
    static let memoryGoal = 16 * 1_048_576

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private static func cell(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? "failed"
    }

    static func print(
        _ results: [MQTTBenchKey: [MQTTBenchRun]], connects: [MQTTBenchConnectClient: [Double]],
        multiCommandMemory: [MQTTBenchRun], rounds: Int
    ) {
        Swift.print(
            "\nMedians of \(rounds) rounds (64-byte payloads, publisher → mosquitto → subscriber, first to last message;"
                + " every message received):")
        Swift.print(
            pad("client", 30) + pad("QoS 0", 14) + pad("QoS 1", 14) + pad("QoS 2", 14)
                + "publisher peak RSS (VmHWM) / anonymous")
        var rates: [MQTTBenchClient: [Double?]] = [:]
        var peaks: [MQTTBenchClient: Int] = [:]
        var anonymousPeaks: [MQTTBenchClient: Int] = [:]
        for client in MQTTBenchClient.allCases where results.keys.contains(where: { $0.client == client }) {
            var row: [Double?] = []
            var rss = 0
            var anonymous = 0
            for qos in 0...2 {
                let runs = results[MQTTBenchKey(client: client, qos: qos)] ?? []
                row.append(runs.count == rounds ? median(runs.map(\.rate)) : nil)
                rss = max(rss, runs.map(\.publisherPeakRSS).max() ?? 0)
                anonymous = max(anonymous, runs.map(\.publisherPeakAnonymous).max() ?? 0)
            }
            rates[client] = row
            peaks[client] = rss
            anonymousPeaks[client] = anonymous
            Swift.print(
                pad(client.title, 30) + row.map { pad(cell($0, "%.0f/s"), 14) }.joined()
                    + String(format: "%.1f MiB / %.1f MiB", Double(rss) / 1_048_576, Double(anonymous) / 1_048_576))
        }
        let c = rates[.c] ?? [nil, nil, nil]
        var goalsMet = rates[.uplink] != nil && rates[.c] != nil
        for client in [MQTTBenchClient.uplink, .paho] where rates[client] != nil {
            let row = rates[client] ?? [nil, nil, nil]
            let ratios: [Double?] = (0...2).map { qos in
                guard let mine = row[qos], let theirs = c[qos], theirs > 0 else { return nil }
                return mine / theirs
            }
            if client == .uplink {
                goalsMet = goalsMet && ratios.allSatisfy { ($0 ?? 0) >= rateGoal }
            }
            Swift.print(pad(client.title + " ÷ C", 30) + ratios.map { pad(cell($0, "%.2f×"), 14) }.joined())
        }
        printCPU(results, rounds: rounds)
        if !connects.isEmpty {
            Swift.print("\nMutual TLS (TLS 1.2, EC P-256), one process per connection, medians of \(rounds) rounds:")
            for client in MQTTBenchConnectClient.allCases {
                Swift.print(pad(client.title, 36) + cell(median(connects[client] ?? []), "%.1f connects/s"))
            }
            if let mine = median(connects[.uplink] ?? []), let theirs = median(connects[.c] ?? []), theirs > 0 {
                Swift.print(pad("uplink ÷ mosquitto_pub", 36) + String(format: "%.2f×", mine / theirs))
            }
        }
        if let peak = multiCommandMemory.map(\.publisherPeakRSS).max() {
            Swift.print(
                String(
                    format:
                        "\nThe same client in the multi-command `uplink mqtt pub` (module, X.509 tools, Foundation linked):"
                        + " peak RSS %.1f MiB, anonymous %.1f MiB",
                    Double(peak) / 1_048_576,
                    Double(multiCommandMemory.map(\.publisherPeakAnonymous).max() ?? 0) / 1_048_576))
        }
        let memory = peaks[.uplink] ?? 0
        let memoryMet = memory > 0 && memory <= memoryGoal
        Swift.print(
            "\nGoals: ≥ \(rateGoal)× the C clients at every QoS: \(goalsMet ? "met" : "NOT met"); "
                + String(
                    format: "publisher peak memory ≤ 16 MiB: %@ (VmHWM %.1f MiB, of which anonymous %.1f MiB)",
                    memoryMet ? "met" : "NOT met", Double(memory) / 1_048_576,
                    Double(anonymousPeaks[.uplink] ?? 0) / 1_048_576))
    }

    /// CPU time per message (user + system of the whole process, from /proc), publisher and subscriber, medians; and
    /// the ratio to the C clients (the goal: at or below 1.0× at every QoS).
    private static func printCPU(_ results: [MQTTBenchKey: [MQTTBenchRun]], rounds: Int) {
        Swift.print(
            "\nCPU per message (user + system, whole process, µs; medians), publisher / subscriber, same runs:")
        Swift.print(pad("client", 30) + pad("QoS 0", 16) + pad("QoS 1", 16) + pad("QoS 2", 16))
        var table: [MQTTBenchClient: [(Double?, Double?)]] = [:]
        for client in MQTTBenchClient.allCases where results.keys.contains(where: { $0.client == client }) {
            let row: [(Double?, Double?)] = (0...2).map { qos in
                let runs = results[MQTTBenchKey(client: client, qos: qos)] ?? []
                guard runs.count == rounds else { return (nil, nil) }
                let publisher = runs.compactMap(\.publisherMicrosecondsPerMessage)
                let subscriber = runs.compactMap(\.subscriberMicrosecondsPerMessage)
                return (
                    publisher.count == rounds ? median(publisher) : nil,
                    subscriber.count == rounds ? median(subscriber) : nil
                )
            }
            table[client] = row
            Swift.print(
                pad(client.title, 30)
                    + row.map { pad(cell($0.0, "%.2f") + " / " + cell($0.1, "%.2f"), 16) }.joined())
        }
        guard let mine = table[.uplink], let theirs = table[.c] else { return }
        let ratios = (0...2).map { qos -> String in
            func ratio(_ a: Double?, _ b: Double?) -> Double? {
                guard let a, let b, b > 0 else { return nil }
                return a / b
            }
            return cell(ratio(mine[qos].0, theirs[qos].0), "%.2f×") + " / "
                + cell(ratio(mine[qos].1, theirs[qos].1), "%.2f×")
        }
        Swift.print(pad("uplink ÷ C (≤ 1.0× is the goal)", 30) + ratios.map { pad($0, 16) }.joined())
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        let count = text.count
        return count >= width ? text + " " : text + String(repeating: " ", count: width - count)
    }
}
