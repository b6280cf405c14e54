import ArgumentParser

/// `uplink certs`: inspect credentials, check they fit a module's slots, convert, bundle, make a dev PKI.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Inspect TLS credentials, check they fit a module's slots, and make them fit.",
        discussion: """
            Certificates and keys are read as PEM or DER; keys as PKCS#8, PKCS#1 or SEC1. \
            Password-protected keys are not supported. A file that cannot be read or parsed \
            gets a precise message and exit status 2.
            """,
        subcommands: [
            CertsInspectCommand.self, CertsFitCommand.self, CertsConvertCommand.self, CertsBundleCommand.self,
            CertsDevPKICommand.self,
        ]
    )
}
