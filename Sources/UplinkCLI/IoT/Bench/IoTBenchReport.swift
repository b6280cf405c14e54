import Foundation

/// The measurements of one `uplink iot bench` run and the goals as ratios, measured, met or not.
struct IoTBenchReport {
    var devices: Int
    var moduleDevices: Int
    var modules: Int
    var concurrency: Int
    var publishers: Int
    var window: Int
    var rounds: Int
    var onboarding: IoTBenchSample
    var moduleOnboarding: IoTBenchSample?
    var connectsToBroker: IoTBenchSample
    var connectsToFront: IoTBenchSample
    /// One publish in flight per connection: the front's added latency.
    var latencyToBroker: IoTBenchSample
    var latencyToFront: IoTBenchSample
    /// `window` publishes in flight per connection: the throughput.
    var publishesToBroker: IoTBenchSample
    var publishesToFront: IoTBenchSample

    /// The share of QoS 1 publish throughput the front costs (goal: at most 10%).
    var publishThroughputCost: Double { 1 - publishesToFront.rate / max(publishesToBroker.rate, 1e-9) }

    /// Onboarding rate over the rate of plain mutual-TLS connects to mosquitto (goal: at least 40%; two handshakes
    /// per device make 50% the bound).
    var onboardingRatio: Double { onboarding.rate / max(connectsToBroker.rate, 1e-9) }

    var text: String {
        var lines = [
            "uplink iot bench: \(devices) devices onboarded by JITR as direct mutual-TLS clients"
                + (moduleDevices > 0 ? ", \(moduleDevices) through \(modules) in-process SPWF04 modules on ptys" : "")
                + "; \(concurrency) at a time; the front in front of mosquitto on loopback",
            "",
            "onboarding (first connect → first accepted publish):",
            Self.row("direct TLS clients", onboarding, unit: "devices/s"),
        ]
        if let moduleOnboarding { lines.append(Self.row("through modules", moduleOnboarding, unit: "devices/s")) }
        lines += Self.comparison(
            "mutual-TLS CONNECT (TCP, handshake, CONNECT/CONNACK):", connectsToBroker, connectsToFront,
            unit: "connects/s", added: "CONNECT")
        lines += Self.comparison(
            "QoS 1 PUBLISH latency (64 bytes, \(publishers) connections, each awaits its PUBACK before the next;"
                + " median of \(rounds) rounds):", latencyToBroker, latencyToFront, unit: "msg/s", added: "PUBLISH")
        lines += Self.comparison(
            "QoS 1 PUBLISH throughput (64 bytes, \(publishers) connections, \(window) in flight on each;"
                + " median of \(rounds) rounds):", publishesToBroker, publishesToFront, unit: "msg/s", added: nil)
        lines += [
            "",
            "goals:",
            String(
                format: "  front's cost in QoS 1 publish throughput: %.1f%% (goal ≤ 10%%): %@",
                publishThroughputCost * 100, publishThroughputCost <= 0.10 ? "met" : "not met"),
            String(
                format: "  onboarding rate / mutual-TLS connect rate to mosquitto: %.1f%% (goal ≥ 40%%): %@",
                onboardingRatio * 100, onboardingRatio >= 0.40 ? "met" : "not met"),
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A titled pair of rows, straight to mosquitto and through the front, and the front's added time per
    /// `added` (when given).
    private static func comparison(
        _ title: String, _ broker: IoTBenchSample, _ front: IoTBenchSample, unit: String, added: String?
    ) -> [String] {
        var lines = [
            "", title, row("straight to mosquitto", broker, unit: unit), row("through the front", front, unit: unit),
        ]
        if let added {
            lines.append(
                String(
                    format: "  the front adds %+.3f ms per %@ (p50), %+.3f ms (p99)", front.p50 - broker.p50,
                    added, front.p99 - broker.p99))
        }
        return lines
    }

    private static func row(_ label: String, _ sample: IoTBenchSample, unit: String) -> String {
        "  " + label.padding(toLength: 24, withPad: " ", startingAt: 0)
            + String(format: "%10.1f ", sample.rate) + unit.padding(toLength: 11, withPad: " ", startingAt: 0)
            + String(
                format: " p50 %8.2f ms   p99 %8.2f ms   (%d in %.2f s)", sample.p50, sample.p99,
                sample.durations.count, sample.elapsed.seconds)
    }
}
