import ArgumentParser
import UplinkBuildInfo
import UplinkMQTTCommands

/// `uplink-mqtt`: the `uplink mqtt` commands in an executable of their own.
///
/// It links only the MQTT client, SwiftNIO, swift-nio-ssl and the argument parser (no module, no X.509 tooling, no
/// Foundation), so a device-side or scripted publisher starts fast and stays small, like mosquitto_pub/sub.
@main
struct UplinkMQTTTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink-mqtt",
        abstract: "Publish and subscribe with the Uplink MQTT 3.1.1/5 client (the same commands as `uplink mqtt`).",
        version: UplinkBuildInfo.versionLine,
        subcommands: [MQTTPublishCommand.self, MQTTSubscribeCommand.self]
    )
}
