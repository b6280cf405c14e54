import Foundation

extension InMemoryIoTRegistry {
    public func provisioningTemplate(name: String) async throws(IoTRegistryError) -> IoTProvisioningTemplateRecord? {
        provisioningTemplates[name]
    }

    /// Stores (or replaces) a provisioning template: what CreateProvisioningTemplate and
    /// UpdateProvisioningTemplate leave behind.
    public func putProvisioningTemplate(_ template: IoTProvisioningTemplateRecord) {
        provisioningTemplates[template.templateName] = template
    }

    /// Removes a provisioning template, if there is one of that name.
    public func removeProvisioningTemplate(name: String) {
        provisioningTemplates[name] = nil
    }
}
