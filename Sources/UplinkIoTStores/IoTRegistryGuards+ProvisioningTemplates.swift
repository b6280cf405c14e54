import Foundation
import UplinkIoTRegistry

extension IoTRegistryGuards {
    /// DeleteProvisioningTemplate: not while a CA's `registrationConfig` names the template (DeleteConflictException),
    /// given every CA's stored `registration_config` text.
    static func checkTemplateDeletable(_ name: String, registrationConfigs: [String?]) throws(IoTRegistryError) {
        var users = 0
        for text in registrationConfigs where try decodeConfig(text)?.templateName == name { users += 1 }
        guard users == 0 else {
            throw .deleteConflict(
                "Provisioning template \(name) is the registrationConfig of \(users) CA certificate(s): "
                    + "change or remove their registration configuration first.")
        }
    }

    static func templateNotFound(_ name: String) -> IoTRegistryError {
        .notFound("Provisioning template \(name) does not exist.")
    }
}
