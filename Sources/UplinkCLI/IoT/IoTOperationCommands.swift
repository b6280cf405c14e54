import ArgumentParser

/// The control plane's operations as `uplink iot <operation>` subcommands (argument names as the AWS CLI spells
/// them), working directly on the registry of --data/--registry. Only some operations have one yet.
enum IoTOperationCommands {
    static let all: [any ParsableCommand.Type] = [
        IoTRegisterCACertificateCommand.self, IoTDescribeCACertificateCommand.self,
        IoTUpdateCACertificateCommand.self, IoTListCACertificatesCommand.self, IoTDeleteCACertificateCommand.self,
        IoTGetRegistrationCodeCommand.self,
        IoTDescribeCertificateCommand.self, IoTUpdateCertificateCommand.self, IoTListCertificatesCommand.self,
        IoTCreatePolicyCommand.self, IoTGetPolicyCommand.self, IoTAttachPolicyCommand.self,
        IoTCreateThingCommand.self, IoTDescribeThingCommand.self, IoTAttachThingPrincipalCommand.self,
        IoTListThingPrincipalsCommand.self,
    ]
}
