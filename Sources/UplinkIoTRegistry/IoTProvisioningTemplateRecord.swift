import Foundation

/// What a provisioning template is for (AWS `TemplateType`): JITP templates are named by a CA's
/// `registrationConfig.templateName`; fleet-provisioning templates are kept and described but never run here.
public enum IoTProvisioningTemplateType: String, Sendable, Codable, CaseIterable {
    case fleetProvisioning = "FLEET_PROVISIONING"
    case jitp = "JITP"
}

/// A named provisioning template (CreateProvisioningTemplate): the body JITP evaluates, with AWS's metadata.
///
/// The front keeps one version per template: `defaultVersionId` is always 1.
public struct IoTProvisioningTemplateRecord: Sendable, Equatable {
    /// The name: 1 to 36 of `[0-9A-Za-z_-]`.
    public var templateName: String
    /// `arn:aws:iot:<region>:<account>:provisioningtemplate/<name>`.
    public var templateArn: String
    /// The template's JSON text (at most 10,240 characters).
    public var templateBody: String
    /// The IAM role AWS would provision with (kept and shown, never assumed here).
    public var provisioningRoleArn: String
    public var type: IoTProvisioningTemplateType
    /// A disabled template provisions nothing.
    public var enabled: Bool
    public var description: String?
    public var creationDate: Date
    public var lastModifiedDate: Date
    public var defaultVersionId: Int

    public init(
        templateName: String, templateArn: String, templateBody: String, provisioningRoleArn: String,
        type: IoTProvisioningTemplateType, enabled: Bool, description: String?, creationDate: Date,
        lastModifiedDate: Date, defaultVersionId: Int = 1
    ) {
        self.templateName = templateName
        self.templateArn = templateArn
        self.templateBody = templateBody
        self.provisioningRoleArn = provisioningRoleArn
        self.type = type
        self.enabled = enabled
        self.description = description
        self.creationDate = creationDate
        self.lastModifiedDate = lastModifiedDate
        self.defaultVersionId = defaultVersionId
    }
}

/// A change to a provisioning template (UpdateProvisioningTemplate): each `nil` field stays as it is.
public struct IoTProvisioningTemplateUpdate: Sendable, Equatable {
    public var description: String?
    public var enabled: Bool?
    public var provisioningRoleArn: String?

    public init(description: String? = nil, enabled: Bool? = nil, provisioningRoleArn: String? = nil) {
        self.description = description
        self.enabled = enabled
        self.provisioningRoleArn = provisioningRoleArn
    }

    /// The template after this change, modified at `date`.
    public func applied(to template: IoTProvisioningTemplateRecord, at date: Date) -> IoTProvisioningTemplateRecord {
        var template = template
        if let description { template.description = description }
        if let enabled { template.enabled = enabled }
        if let provisioningRoleArn { template.provisioningRoleArn = provisioningRoleArn }
        template.lastModifiedDate = date
        return template
    }
}

/// The control plane's provisioning-template operations, each one transaction.
public protocol IoTProvisioningTemplateStore: Sendable {
    /// Creates a template, or fails with `alreadyExists`.
    func createProvisioningTemplate(_ template: IoTProvisioningTemplateRecord) async throws(IoTRegistryError)
    /// Changes a template; `notFound` when absent.
    func updateProvisioningTemplate(name: String, _ update: IoTProvisioningTemplateUpdate, at date: Date)
        async throws(IoTRegistryError)
    /// Deletes a template; `notFound` when absent, `deleteConflict` while a CA's `registrationConfig` names it.
    func deleteProvisioningTemplate(name: String) async throws(IoTRegistryError)
    /// One page of the templates, by creation order (oldest first).
    func listProvisioningTemplates(_ paging: IoTPaging) async throws(IoTRegistryError)
        -> IoTPage<IoTProvisioningTemplateRecord>
}
