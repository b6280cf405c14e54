import ArgumentParser

/// `uplink mqtt`: publish and subscribe like mosquitto_pub / mosquitto_sub.
public struct MQTTCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Publish and subscribe with the Uplink MQTT 3.1.1/5 client (flags like mosquitto_pub/sub).",
        subcommands: [MQTTPublishCommand.self, MQTTSubscribeCommand.self],
        helpNames: [.long]
    )

    public init() {}
}
