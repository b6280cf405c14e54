import ArgumentParser
import UplinkCredentials

/// `uplink certs inspect FILE... [--key KEY] [--json]`.
struct CertsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what certificate and key files hold: names, validity, key type, fingerprint, sizes.",
        discussion: """
            For a bundle, says whether each certificate is issued by the next (names and signature). \
            With --key, checks that the key belongs to the first certificate of each file. \
            Exit status: 0 all good, 1 a bundle out of order or a key that does not match, \
            2 a file that cannot be read or parsed.
            """
    )

    @Argument(help: "Certificate, bundle or key files (PEM or DER).")
    var files: [String]

    @Option(name: .long, help: "A private key to check against the certificates.")
    var key: String?

    @Flag(name: .long, help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        let report = try CertsIO.run("inspect") { () throws(CredentialError) -> InspectionReport in
            var inputs = [FitRequest.Input]()
            for file in files { inputs.append(try CertsIO.input(file)) }
            let keyInput = try key.map { path throws(CredentialError) in try CertsIO.input(path) }
            return try InspectionReport.inspect(inputs, key: keyInput)
        }
        print(json ? report.jsonString() : report.text, terminator: "")
        if !report.ok { throw ExitCode(1) }
    }
}
