import ArgumentParser
import DNSCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkDNS
import UplinkOptions
import UplinkProcess

/// `uplink-bench dns`: cold and cached lookups of the seed's name against one NSD, compared in the
/// same run with dnspython's resolver and dig.
struct DNSBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Cold queries/s and p50 latency vs dnspython and dig against the same NSD; cached lookups/s.",
        discussion: """
            Starts NSD (Debian package nsd) on 127.0.0.1 with the seed's zone: a 42-character name answered
            through a CNAME chain with 16 addresses and 4 name servers with glue (over 512 bytes). Python
            with dnspython is taken from UPLINK_PYTHON (scripts/test makes .build-venv) or --python.
            """
    )

    @Option(help: "Cold lookups per run and peer.") var count = 2000
    @Option(help: "Cached lookups per run.") var cached = 200_000
    @Option(help: "Interleaved rounds; the report gives medians.") var rounds = 3
    @Option(help: "Python with dnspython (default: $UPLINK_PYTHON, else .build-venv/bin/python).") var python: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        try OptionCheck.number(count, in: 1...10_000_000, option: "--count")
        try OptionCheck.number(cached, in: 1...100_000_000, option: "--cached")
        try OptionCheck.number(rounds, in: 1...50, option: "--rounds")
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let nsd = try await NSDServer.start(zone: SeedZone.origin, zoneText: SeedZone.text, group: group)
        let outcome: Result<DNSBenchReport, any Error>
        do {
            outcome = .success(try await measure(nsd: nsd, group: group))
        } catch {
            outcome = .failure(error)
        }
        await nsd.stop()
        try? await group.shutdownGracefully()
        let report = try outcome.get()
        print(json ? report.json : report.text, terminator: "")
    }

    private func measure(nsd: NSDServer, group: MultiThreadedEventLoopGroup) async throws -> DNSBenchReport {
        let python = self.python ?? ProcessInfo.processInfo.environment["UPLINK_PYTHON"] ?? ".build-venv/bin/python"
        var report = DNSBenchReport(name: SeedZone.seedName, count: count)

        // The shape of the answer: one UDP exchange with EDNS, no TCP, and how big it is.
        var options = DNSResolverOptions(servers: [nsd.address])
        options.cacheEnabled = false
        let cold = DNSResolver(options: options, group: group)
        let probe = try await cold.lookup(SeedZone.seedName, type: .A)
        report.records = probe.records.count
        report.exchanges = probe.exchanges.map { "\($0.transport) \($0.replySize) bytes" }

        for round in 1...rounds {
            Console.progress("round \(round)/\(rounds): uplink")
            report.uplink.append(try await uplinkCold(cold))
            Console.progress("round \(round)/\(rounds): dnspython")
            report.dnspython.append(try Self.dnspython(python: python, port: nsd.port, count: count))
            Console.progress("round \(round)/\(rounds): dig")
            report.dig.append(try Self.dig(port: nsd.port, count: min(count, 500)))
            Console.progress("round \(round)/\(rounds): cached")
            report.cachedRates.append(try await uplinkCached(nsd: nsd, group: group))
        }
        return report
    }

    private func uplinkCold(_ resolver: DNSResolver) async throws -> PeerRun {
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        let started = ContinuousClock.now
        for _ in 0..<count {
            let t0 = ContinuousClock.now
            let result = try await resolver.lookup(SeedZone.seedName, type: .A)
            latencies.append((ContinuousClock.now - t0).seconds)
            guard result.records.count == 16, result.exchanges.count == 1, result.exchanges[0].transport == .udp else {
                throw ValidationError(
                    "unexpected answer: \(result.records.count) records, \(result.exchanges.count) exchanges")
            }
        }
        let elapsed = (ContinuousClock.now - started).seconds
        latencies.sort()
        return PeerRun(qps: Double(count) / elapsed, p50: latencies[latencies.count / 2] * 1000)
    }

    private func uplinkCached(nsd: NSDServer, group: MultiThreadedEventLoopGroup) async throws -> Double {
        let resolver = DNSResolver(options: DNSResolverOptions(servers: [nsd.address]), group: group)
        _ = try await resolver.lookup(SeedZone.seedName, type: .A)
        let started = ContinuousClock.now
        for _ in 0..<cached {
            let result = try await resolver.lookup(SeedZone.seedName, type: .A)
            guard result.fromCache else { throw ValidationError("a cached lookup went to the server") }
        }
        return Double(cached) / (ContinuousClock.now - started).seconds
    }

    static func dnspython(python: String, port: Int, count: Int) throws -> PeerRun {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Host/dnspython_bench.py").path
        let output = try runTool(python, [script, "127.0.0.1", String(port), SeedZone.seedName, String(count)])
        guard let data = output.split(separator: "\n").last.map({ Data($0.utf8) }),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let qps = object["qps"] as? Double, let p50 = object["p50_ms"] as? Double,
            object["records"] as? Int == 16
        else { throw ValidationError("dnspython run failed: \(output)") }
        return PeerRun(qps: qps, p50: p50)
    }

    /// dig in batch mode (`-f`): one process, sequential queries; p50 from its "Query time" lines (ms).
    static func dig(port: Int, count: Int) throws -> PeerRun {
        let batch = NSTemporaryDirectory() + "uplink-dig-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: batch) }
        let line = "@127.0.0.1 -p \(port) \(SeedZone.seedName) A +bufsize=1232 +notcp +tries=1 +time=2\n"
        try String(repeating: line, count: count).write(toFile: batch, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let output = try runTool("/usr/bin/dig", ["-f", batch])
        let elapsed = (ContinuousClock.now - started).seconds
        let times = output.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix(";; Query time: ") else { return nil }
            return Double(line.dropFirst(15).prefix { $0.isNumber })
        }.sorted()
        guard times.count == count else { throw ValidationError("dig answered \(times.count) of \(count)") }
        return PeerRun(qps: Double(count) / elapsed, p50: times[times.count / 2])
    }

    static func runTool(_ path: String, _ arguments: [String]) throws -> String {
        let log = NSTemporaryDirectory() + "uplink-bench-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(path: path, arguments: arguments, outputPath: log)
        let status = child.wait(timeout: 600)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ValidationError("\(path) failed (\(status.map(String.init) ?? "killed")): \(output.suffix(500))")
        }
        return output
    }
}

/// One peer's figures in one round.
struct PeerRun: Sendable {
    var qps: Double
    /// Median latency in milliseconds.
    var p50: Double
}
