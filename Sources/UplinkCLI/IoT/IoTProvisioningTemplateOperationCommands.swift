import ArgumentParser

/// `uplink iot create-provisioning-template --template-name N --template-body JSON|file://PATH
/// --provisioning-role-arn ARN [--type JITP|FLEET_PROVISIONING] [--enabled] [--description TEXT]`.
struct IoTCreateProvisioningTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-provisioning-template",
        abstract: "Create a provisioning template (CreateProvisioningTemplate).",
        discussion: """
            A JITP template is what a CA's --registration-config templateName=NAME provisions devices with; it \
            provisions only while enabled.
            """)
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The template's name: 1 to 36 of [0-9A-Za-z_-].") var templateName: String
    @Option(name: .long, help: "The template JSON, or file://PATH.") var templateBody: String
    @Option(name: .long, help: "The IAM role ARN AWS would provision with.") var provisioningRoleArn: String
    @Option(name: .long, help: "JITP or FLEET_PROVISIONING (the default, as AWS's).") var type: String?
    @Flag(name: .long, inversion: .prefixedNo, help: "Enable it (AWS's default: disabled).") var enabled = false
    @Option(name: .long, help: "A description.") var description: String?

    func run() async throws {
        var body: [String: Any] = [
            "templateName": templateName,
            "templateBody": try IoTOperationRunner.text(templateBody, option: "--template-body"),
            "provisioningRoleArn": provisioningRoleArn, "enabled": enabled,
        ]
        if let type { body["type"] = type }
        if let description { body["description"] = description }
        try await IoTOperationRunner.run(
            "CreateProvisioningTemplate", registryOptions, method: "POST", path: ["provisioning-templates"],
            body: body)
    }
}

/// `uplink iot describe-provisioning-template --template-name N`.
struct IoTDescribeProvisioningTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-provisioning-template",
        abstract: "Describe a provisioning template (DescribeProvisioningTemplate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The template's name.") var templateName: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DescribeProvisioningTemplate", registryOptions, method: "GET",
            path: ["provisioning-templates", templateName])
    }
}

/// `uplink iot list-provisioning-templates [--max-results N] [--next-token T]`.
struct IoTListProvisioningTemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-provisioning-templates",
        abstract: "List provisioning templates, one page (ListProvisioningTemplates).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "At most this many (1 to 250).") var maxResults: Int?
    @Option(name: .long, help: "The nextToken of the previous page.") var nextToken: String?

    func run() async throws {
        var query = [(String, String)]()
        if let maxResults { query.append(("maxResults", String(maxResults))) }
        if let nextToken { query.append(("nextToken", nextToken)) }
        try await IoTOperationRunner.run(
            "ListProvisioningTemplates", registryOptions, method: "GET", path: ["provisioning-templates"],
            query: query)
    }
}

/// `uplink iot update-provisioning-template --template-name N [--enabled|--no-enabled] [--description TEXT]
/// [--provisioning-role-arn ARN] [--default-version-id 1]`.
struct IoTUpdateProvisioningTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-provisioning-template",
        abstract: "Change a provisioning template (UpdateProvisioningTemplate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The template's name.") var templateName: String
    @Flag(name: .long, inversion: .prefixedNo, help: "Enable or disable it.") var enabled: Bool?
    @Option(name: .long, help: "A new description.") var description: String?
    @Option(name: .long, help: "A new IAM role ARN.") var provisioningRoleArn: String?
    @Option(name: .long, help: "The default version (this front keeps version 1 only).") var defaultVersionId: Int?

    func run() async throws {
        var body: [String: Any] = [:]
        if let enabled { body["enabled"] = enabled }
        if let description { body["description"] = description }
        if let provisioningRoleArn { body["provisioningRoleArn"] = provisioningRoleArn }
        if let defaultVersionId { body["defaultVersionId"] = defaultVersionId }
        try await IoTOperationRunner.run(
            "UpdateProvisioningTemplate", registryOptions, method: "PATCH",
            path: ["provisioning-templates", templateName], body: body)
    }
}

/// `uplink iot delete-provisioning-template --template-name N`.
struct IoTDeleteProvisioningTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-provisioning-template",
        abstract: "Delete a provisioning template no CA names (DeleteProvisioningTemplate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The template's name.") var templateName: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DeleteProvisioningTemplate", registryOptions, method: "DELETE",
            path: ["provisioning-templates", templateName])
    }
}
