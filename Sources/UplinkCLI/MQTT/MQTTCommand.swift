import ArgumentParser

/// `uplink mqtt`: publish and subscribe like mosquitto_pub / mosquitto_sub.
struct MQTTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Publish and subscribe (in progress: the client lands with issue 5)."
    )
}
