import ArgumentParser

/// The control plane's operations as `uplink iot <operation>` subcommands.
enum IoTOperationCommands {
    static let all: [any ParsableCommand.Type] = []
}
