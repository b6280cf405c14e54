import Foundation
import UplinkIoTRegistry

extension IoTProvisioningTemplate {
    /// The certificate parameters JITP fills from the device certificate (reference §2).
    public static let jitpParameters = [
        "AWS::IoT::Certificate::Country", "AWS::IoT::Certificate::Organization",
        "AWS::IoT::Certificate::OrganizationalUnit", "AWS::IoT::Certificate::DistinguishedNameQualifier",
        "AWS::IoT::Certificate::StateName", "AWS::IoT::Certificate::CommonName",
        "AWS::IoT::Certificate::SerialNumber", "AWS::IoT::Certificate::Id",
    ]

    /// Checks a template body as CreateProvisioningTemplate does, before anything is stored: `nil` when it is
    /// usable, else why not.
    ///
    /// Every type: a JSON object of at most 10,240 characters with a `Resources` object. `JITP`: also evaluated
    /// once, as JITP would for a certificate carrying every subject attribute JITP reads, so that a resource or
    /// function JITP cannot run, a bad policy document, or a parameter JITP cannot fill (one outside
    /// ``jitpParameters`` without a `Default`) is refused now rather than at a device's first connection.
    /// `FLEET_PROVISIONING` templates are kept, never run by this front, so only their form is checked.
    public static func problem(body: String, type: IoTProvisioningTemplateType) -> String? {
        let template: IoTProvisioningTemplate
        do { template = try IoTProvisioningTemplate(body: body) } catch { return error.description }
        guard type == .jitp else { return nil }
        var subject = [String: String]()
        for name in jitpParameters where name != "AWS::IoT::Certificate::Id" {
            subject[String(name.dropFirst("AWS::IoT::Certificate::".count))] = "x"
        }
        let id = String(repeating: "0", count: 64)
        let device = Device(certificateId: id, certificatePem: "", caCertificateId: id, subject: subject)
        do {
            _ = try template.plan(for: device, account: IoTAccount(), now: Date())
        } catch {
            switch error {
            case .malformed: return error.description
            // Depends on the certificate's values, not on the template: found out at provisioning.
            case .selectOutOfRange: return nil
            case .missingParameter(let name):
                return "template parameter \(name) is none JITP fills from the certificate and has no Default"
            }
        }
        return nil
    }
}
