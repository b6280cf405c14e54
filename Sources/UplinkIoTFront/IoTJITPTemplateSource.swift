import UplinkIoTRegistry

/// Where a CA's JITP template comes from: its `registrationConfig.templateBody`, or the provisioning template its
/// `registrationConfig.templateName` names (which must exist, be of type JITP and be enabled).
enum IoTJITPTemplateSource: Sendable, Equatable {
    /// The template body to evaluate.
    case body(String)
    /// The CA asks for JITP, but its named template cannot be used: why (for the log). The certificate stays
    /// PENDING_ACTIVATION with nothing created.
    case unusable(String)

    /// The CA's JITP template, or `nil` when the CA does JITR (no `registrationConfig` template).
    static func of(_ ca: IoTCACertificate, in registry: any IoTRegistry) async throws(IoTRegistryError)
        -> IoTJITPTemplateSource?
    {
        guard let config = ca.registrationConfig else { return nil }
        if let body = config.templateBody { return .body(body) }
        guard let name = config.templateName else { return nil }
        guard let template = try await registry.provisioningTemplate(name: name) else {
            return .unusable("provisioning template \(name) (CA \(ca.certificateId)'s templateName) does not exist")
        }
        guard template.type == .jitp else {
            return .unusable("provisioning template \(name) is of type \(template.type.rawValue), not JITP")
        }
        guard template.enabled else { return .unusable("provisioning template \(name) is disabled") }
        return .body(template.templateBody)
    }
}
