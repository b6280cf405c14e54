import Foundation

/// The figures of `uplink-bench dns`, medians over rounds, with the ratios the issue asks for.
struct DNSBenchReport {
    var name: String
    var count: Int
    var records = 0
    var exchanges: [String] = []
    var uplink: [PeerRun] = []
    var dnspython: [PeerRun] = []
    var dig: [PeerRun] = []
    var cachedRates: [Double] = []

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var rows: [(String, Double, Double)] {
        [
            ("uplink (UplinkDNS)", Self.median(uplink.map(\.qps)), Self.median(uplink.map(\.p50))),
            ("dnspython", Self.median(dnspython.map(\.qps)), Self.median(dnspython.map(\.p50))),
            ("dig (batch, one process)", Self.median(dig.map(\.qps)), Self.median(dig.map(\.p50))),
        ]
    }

    var text: String {
        var out =
            "uplink-bench dns: \(name) A (\(records) addresses); one lookup = \(exchanges.joined(separator: " + "))\n"
        out += "cold lookups, \(count) per run, \(uplink.count) interleaved rounds, medians:\n"
        for (label, qps, p50) in rows {
            out +=
                "  " + label.padding(toLength: 26, withPad: " ", startingAt: 0)
                + String(format: "%10.0f queries/s   p50 %7.3f ms", qps, p50)
                + (label.hasPrefix("dig") ? " (dig reports whole ms)\n" : "\n")
        }
        let ours = rows[0].1
        out += String(format: "cached lookups: %.0f /s\n", Self.median(cachedRates))
        out += String(
            format: "ratio uplink / dnspython: %.1f×   uplink / dig: %.1f×\n", ours / rows[1].1, ours / rows[2].1)
        let goal = ours >= 3 * rows[1].1
        out += (goal ? "PASS" : "MISS") + String(format: "  cold throughput ≥ 3× dnspython (%.1f×)\n", ours / rows[1].1)
        let oneUDP = exchanges.count == 1 && exchanges[0].hasPrefix("UDP")
        out +=
            (oneUDP ? "PASS" : "MISS")
            + "  the large answer in exactly one UDP round trip with EDNS (\(exchanges.joined(separator: ", ")))\n"
        return out
    }

    var json: String {
        let object: [String: Any] = [
            "name": name, "records": records, "exchanges": exchanges, "count": count,
            "peers": rows.map { ["peer": $0.0, "queriesPerSecond": $0.1, "p50Milliseconds": $0.2] },
            "cachedPerSecond": Self.median(cachedRates),
            "ratioToDnspython": rows[0].1 / rows[1].1, "ratioToDig": rows[0].1 / rows[2].1,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
