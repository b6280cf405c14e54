import ArgumentParser

/// Temporary `uplink iot` group holding only `serve`, until the control plane's group registers it (the lead
/// deletes this file at merge).
struct IoTServeOnlyGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iot", abstract: "The AWS-IoT-like onboarding front.", subcommands: [IoTServeCommand.self])
}
