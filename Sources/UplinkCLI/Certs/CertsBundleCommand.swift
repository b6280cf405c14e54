import ArgumentParser
import UplinkCredentials

/// `uplink certs bundle --cert DEVICE --ca CA -o OUT`.
struct CertsBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write the JITR client chain: the device certificate, then the CA that issued it (PEM).",
        discussion: "Checks that the CA is a CA and issued the device certificate (names and signature)."
    )

    @Option(name: .long, help: "The device certificate.")
    var cert: String

    @Option(name: .long, help: "The CA certificate that issued it (the CA registered with AWS IoT).")
    var ca: String

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output).")
    var output: String

    func run() throws {
        let summary = try CertsIO.run("bundle") { () throws(CredentialError) -> String in
            let device = try CertificateChain(bytes: try SecureFileWriter.read(cert))
            let issuer = try CertificateChain(bytes: try SecureFileWriter.read(ca))
            let chain = try JITRBundle.make(device: device, ca: issuer)
            try CertsIO.write(Array(chain.pemString.utf8), to: output, isPrivate: false)
            let names = chain.certificates.map { $0.commonName ?? $0.subject }.joined(separator: " + ")
            return "\(output): \(names), \(chain.pemSize) bytes PEM (\(chain.derSize) as DER)"
        }
        if output != "-" { print(summary) }
    }
}
