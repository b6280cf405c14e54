import ArgumentParser

/// The control plane's operations as `uplink iot <operation>` subcommands (argument names as the AWS CLI spells
/// them), working directly on the registry of --data/--registry. Every operation of ``IoTControlPlane/operations`` has one.
enum IoTOperationCommands {
    static let all: [any ParsableCommand.Type] = [
        IoTRegisterCACertificateCommand.self, IoTDescribeCACertificateCommand.self,
        IoTUpdateCACertificateCommand.self, IoTListCACertificatesCommand.self, IoTDeleteCACertificateCommand.self,
        IoTGetRegistrationCodeCommand.self,
        IoTDescribeCertificateCommand.self, IoTUpdateCertificateCommand.self, IoTListCertificatesCommand.self,
        IoTRegisterCertificateCommand.self, IoTRegisterCertificateWithoutCACommand.self,
        IoTDeleteCertificateCommand.self,
        IoTListCertificatesByCACommand.self, IoTCreateKeysAndCertificateCommand.self, IoTDescribeEndpointCommand.self,
        IoTCreatePolicyCommand.self, IoTGetPolicyCommand.self, IoTAttachPolicyCommand.self, IoTDetachPolicyCommand.self,
        IoTListAttachedPoliciesCommand.self,
        IoTCreateThingCommand.self, IoTDescribeThingCommand.self, IoTAttachThingPrincipalCommand.self,
        IoTListThingPrincipalsCommand.self,
        IoTCreateProvisioningTemplateCommand.self, IoTDescribeProvisioningTemplateCommand.self,
        IoTListProvisioningTemplatesCommand.self, IoTUpdateProvisioningTemplateCommand.self,
        IoTDeleteProvisioningTemplateCommand.self,
    ]
}
