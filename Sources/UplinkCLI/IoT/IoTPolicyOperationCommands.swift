import ArgumentParser

/// `uplink iot create-policy --policy-name NAME --policy-document JSON|file://PATH`.
struct IoTCreatePolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-policy", abstract: "Create a device policy (CreatePolicy).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The policy's name.") var policyName: String
    @Option(name: .long, help: "The policy JSON, or file://PATH.") var policyDocument: String

    func run() async throws {
        let document = try IoTOperationRunner.text(policyDocument, option: "--policy-document")
        try await IoTOperationRunner.run(
            "CreatePolicy", registryOptions, method: "POST", path: ["policies", policyName],
            body: ["policyDocument": document])
    }
}

/// `uplink iot attach-policy --policy-name NAME --target ARN`.
struct IoTAttachPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-policy", abstract: "Attach a policy to a certificate ARN (AttachPolicy).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The policy's name.") var policyName: String
    @Option(name: .long, help: "The target: a certificate ARN.") var target: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "AttachPolicy", registryOptions, method: "PUT", path: ["target-policies", policyName],
            body: ["target": target])
    }
}

/// `uplink iot get-policy --policy-name NAME`.
struct IoTGetPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-policy", abstract: "Show a policy (GetPolicy).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The policy's name.") var policyName: String

    func run() async throws {
        try await IoTOperationRunner.run("GetPolicy", registryOptions, method: "GET", path: ["policies", policyName])
    }
}

/// `uplink iot detach-policy --policy-name NAME --target ARN`.
struct IoTDetachPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach-policy", abstract: "Detach a policy from a target (DetachPolicy).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The policy's name.") var policyName: String
    @Option(name: .long, help: "The target: a certificate ARN.") var target: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DetachPolicy", registryOptions, method: "POST", path: ["target-policies", policyName],
            body: ["target": target])
    }
}

/// `uplink iot list-attached-policies --target ARN [--page-size N] [--marker M]`.
struct IoTListAttachedPoliciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-attached-policies", abstract: "The policies attached to a target (ListAttachedPolicies).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The target: a certificate ARN.") var target: String
    @Option(name: .long, help: "At most this many.") var pageSize: Int?
    @Option(name: .long, help: "The nextMarker of the previous page.") var marker: String?

    func run() async throws {
        var query = [(String, String)]()
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let marker { query.append(("marker", marker)) }
        try await IoTOperationRunner.run(
            "ListAttachedPolicies", registryOptions, method: "POST", path: ["attached-policies", target],
            query: query)
    }
}
