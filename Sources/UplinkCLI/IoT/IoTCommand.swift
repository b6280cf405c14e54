import ArgumentParser

/// `uplink iot`: the AWS-IoT-like onboarding front — its registry, control plane and data plane.
struct IoTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iot",
        abstract: "An AWS-IoT-like onboarding front: registry, control plane (the AWS CLI's calls) and data plane.",
        discussion: """
            The registry lives in an SQLite database in a data folder (--data, default \
            $XDG_DATA_HOME/uplink/iot or ~/.local/share/uplink/iot) or in a shared PostgreSQL \
            (--registry postgres://...). `uplink iot api` serves the control plane for \
            `aws iot ... --endpoint-url`; the other subcommands are the same operations without the AWS CLI.
            """,
        subcommands: [IoTServeCommand.self, IoTAPICommand.self, IoTStressWriterCommand.self, IoTBenchCommand.self]
            + IoTOperationCommands.all
    )
}
