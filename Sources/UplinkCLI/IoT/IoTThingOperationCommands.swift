import ArgumentParser
import Foundation

/// `uplink iot create-thing --thing-name NAME [--attribute-payload JSON|file://PATH]`.
struct IoTCreateThingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-thing", abstract: "Create a thing (CreateThing).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The thing's name.") var thingName: String
    @Option(name: .long, help: #"JSON {"attributes":{"KEY":"VALUE"}}, or file://PATH (the shorthand is not read)."#)
    var attributePayload: String?

    func run() async throws {
        var body = [String: Any]()
        if let attributePayload {
            let text = try IoTOperationRunner.text(attributePayload, option: "--attribute-payload")
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw ValidationError(#"--attribute-payload must be a JSON object like {"attributes":{"k":"v"}}"#)
            }
            body["attributePayload"] = object
        }
        try await IoTOperationRunner.run(
            "CreateThing", registryOptions, method: "POST", path: ["things", thingName], body: body)
    }
}

/// `uplink iot describe-thing --thing-name NAME`.
struct IoTDescribeThingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-thing", abstract: "Describe a thing (DescribeThing).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The thing's name.") var thingName: String

    func run() async throws {
        try await IoTOperationRunner.run("DescribeThing", registryOptions, method: "GET", path: ["things", thingName])
    }
}

/// `uplink iot attach-thing-principal --thing-name NAME --principal ARN`.
struct IoTAttachThingPrincipalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-thing-principal", abstract: "Attach a certificate ARN to a thing (AttachThingPrincipal).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The thing's name.") var thingName: String
    @Option(name: .long, help: "The principal: a certificate ARN.") var principal: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "AttachThingPrincipal", registryOptions, method: "PUT", path: ["things", thingName, "principals"],
            headers: ["x-amzn-principal": principal])
    }
}

/// `uplink iot list-thing-principals --thing-name NAME`.
struct IoTListThingPrincipalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-thing-principals", abstract: "The principals attached to a thing (ListThingPrincipals).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The thing's name.") var thingName: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "ListThingPrincipals", registryOptions, method: "GET", path: ["things", thingName, "principals"])
    }
}
