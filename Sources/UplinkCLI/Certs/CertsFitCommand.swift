import ArgumentParser
import UplinkCredentials

/// `uplink certs fit --profile P [--slots ...] --ca F --cert F --key F [--jitr-ca F] [--json]`.
struct CertsFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Check whether a CA, a device certificate (with its JITR CA) and a key fit a module's slots.",
        discussion: """
            Shows each slot's bytes as given and as DER against its capacity, the total against the \
            profile's flash budget, a verdict, and the changes that make it fit with the bytes each \
            saves: DER instead of PEM, an EC P-256 key and certificate instead of RSA (measured on \
            certificates generated with the same names), Amazon Root CA 3 instead of Root CA 1, leaving \
            the JITR CA out after registration, another slot layout in the same budget. The plan is the \
            cheapest set of changes that fits, recomputed.

            Profiles: spwf01-3.5 (2048 bytes per slot, one certificate in cert), spwf01 and spwf04 \
            (4096 per slot, a chain allowed). --slots sets a configurable layout (which takes a chain).

            Exit status: 0 it fits, 1 it does not fit (or the module would refuse it: the key does \
            not match, the chain is out of order), 2 a file cannot be read or parsed.
            """
    )

    @Option(name: .long, help: "Firmware profile: spwf01, spwf01-3.5 or spwf04.")
    var profile: String

    @Option(name: .long, help: "Slot layout within the profile's budget, e.g. ca=2048,cert=3072,key=1024.")
    var slots: String?

    @Option(name: .long, help: "Trust roots for the server (the ca slot), e.g. AmazonRootCA1.pem.")
    var ca: String

    @Option(name: .long, help: "The device certificate (or its chain, leaf first).")
    var cert: String

    @Option(name: .long, help: "The device's private key.")
    var key: String

    @Option(name: .long, help: "The CA that issued the device certificate, sent with it for JITR.")
    var jitrCa: String?

    @Flag(name: .long, help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        let analysis = try CertsIO.run("fit") { () throws(CredentialError) -> FitAnalysis in
            let layout = try SlotLayout.named(profile, slots: slots)
            let request = FitRequest(
                layout: layout, ca: try CertsIO.input(ca), cert: try CertsIO.input(cert),
                key: try CertsIO.input(key),
                jitrCA: try jitrCa.map { path throws(CredentialError) in try CertsIO.input(path) })
            return try FitAnalysis.analyze(request)
        }
        print(json ? analysis.jsonString() : analysis.text, terminator: "")
        if !analysis.fits { throw ExitCode(1) }
    }
}
