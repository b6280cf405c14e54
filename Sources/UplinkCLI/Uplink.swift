import ArgumentParser
import UplinkBuildInfo
import UplinkMQTTCommands

/// The `uplink` command: a software SPWF Wi-Fi module and the tools around it.
@main
struct Uplink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink",
        abstract: "Take a microcontroller to AWS IoT through an SPWF-compatible Wi-Fi module, on your laptop.",
        version: UplinkBuildInfo.versionLine,
        subcommands: [
            ModuleCommand.self, DeviceCommand.self, DNSCommand.self, CertsCommand.self, MQTTCommand.self,
            IoTCommand.self,
        ]
    )
}
