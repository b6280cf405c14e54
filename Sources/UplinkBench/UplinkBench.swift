import ArgumentParser

/// `uplink-bench`: measurements of the software module.
@main
struct UplinkBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink-bench",
        abstract: "Benchmarks of Uplink against the peers named in its issues.",
        discussion: "Build in release mode for meaningful figures: swift run -c release uplink-bench at",
        subcommands: [
            ATBenchCommand.self, DNSBenchCommand.self, TLSBenchCommand.self, MQTTBenchCommand.self,
            ViaBenchCommand.self,
        ]
    )
}
