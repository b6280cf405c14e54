import Foundation

/// The measurements of one `uplink iot bench` run and the goals as ratios, measured, met or not.
struct IoTBenchReport {
    var devices: Int
    var moduleDevices: Int
    var modules: Int
    var concurrency: Int
    var onboarding: IoTBenchSample
    var moduleOnboarding: IoTBenchSample?
    var connectsToBroker: IoTBenchSample
    var connectsToFront: IoTBenchSample
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
        lines += [
            "",
            "mutual-TLS CONNECT (TCP, handshake, CONNECT/CONNACK):",
            Self.row("straight to mosquitto", connectsToBroker, unit: "connects/s"),
            Self.row("through the front", connectsToFront, unit: "connects/s"),
            String(
                format: "  the front adds %+.2f ms per CONNECT (p50), %+.2f ms (p99)",
                connectsToFront.p50 - connectsToBroker.p50, connectsToFront.p99 - connectsToBroker.p99),
            "",
            "QoS 1 PUBLISH (64 bytes, PUBACK awaited):",
            Self.row("straight to mosquitto", publishesToBroker, unit: "msg/s"),
            Self.row("through the front", publishesToFront, unit: "msg/s"),
            String(
                format: "  the front adds %+.3f ms per PUBLISH (p50), %+.3f ms (p99)",
                publishesToFront.p50 - publishesToBroker.p50, publishesToFront.p99 - publishesToBroker.p99),
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

    private static func row(_ label: String, _ sample: IoTBenchSample, unit: String) -> String {
        "  " + label.padding(toLength: 24, withPad: " ", startingAt: 0)
            + String(format: "%10.1f ", sample.rate) + unit.padding(toLength: 11, withPad: " ", startingAt: 0)
            + String(
                format: " p50 %8.2f ms   p99 %8.2f ms   (%d in %.2f s)", sample.p50, sample.p99,
                sample.durations.count, sample.elapsed.seconds)
    }
}
