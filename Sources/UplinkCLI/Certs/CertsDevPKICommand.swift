import ArgumentParser
import UplinkCredentials
import UplinkOptions

/// `uplink certs dev-pki --out DIR [--devices N] [--device-ca] [--rsa] [--server-name NAME]... [--days N]`.
struct CertsDevPKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-pki",
        abstract: "Make a development CA, device certificates and a certificate for a local broker.",
        discussion: """
            Writes ca.pem/ca.key, with --device-ca device-ca.pem/device-ca.key (an intermediate that \
            issues the devices, as a JITR CA), device-0001.pem/.key and device-0001-chain.pem (leaf, \
            then its issuing CA), and server.pem/server.key (SAN localhost, 127.0.0.1, ::1 and every \
            --server-name). Keys have mode 0600: a broker started as root that drops privileges \
            (mosquitto) may need `user root` or a readable copy of server.key. \
            --not-before/--not-after (ISO dates) set the device and server validity, e.g. to test an \
            expired certificate or one not yet valid.
            """
    )

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Option(name: .long, help: "Number of device certificates (1 to 9999).")
    var devices = 1

    @Flag(name: .long, help: "Issue devices from an intermediate device CA (the JITR CA).")
    var deviceCa = false

    @Flag(name: .long, help: "RSA 2048 keys instead of EC P-256.")
    var rsa = false

    @Option(name: .long, help: "Another DNS name or IP address for the server certificate (repeatable).")
    var serverName: [String] = []

    @Option(name: .long, help: "Validity in days (1 to 36500).")
    var days = 365

    @Option(name: .long, help: "Start of device/server validity (2030-01-31 or 2030-01-31T12:00:00Z).")
    var notBefore: String?

    @Option(name: .long, help: "End of device/server validity (ISO date).")
    var notAfter: String?

    @Flag(name: .long, help: "Write keys as PKCS#1/SEC1 instead of PKCS#8.")
    var traditional = false

    @Flag(name: .long, help: "Replace existing files.")
    var force = false

    func validate() throws {
        try OptionCheck.number(devices, in: 1...9999, option: "--devices")
        try OptionCheck.number(days, in: DevPKI.Options.dayRange, option: "--days")
    }

    func run() throws {
        let (pki, paths) = try CertsIO.run("dev-pki") { () throws(CredentialError) -> (DevPKI, [String]) in
            var options = DevPKI.Options()
            options.keyAlgorithm = rsa ? .rsa2048 : .ecP256
            options.deviceCount = devices
            options.deviceCA = deviceCa
            options.serverNames = serverName
            options.days = days
            options.notBefore = try notBefore.map { text throws(CredentialError) in try ISODate.parse(text) }
            options.notAfter = try notAfter.map { text throws(CredentialError) in try ISODate.parse(text) }
            options.traditionalKeys = traditional
            let pki = try DevPKI.generate(options)
            return (pki, try pki.write(to: out, overwrite: force))
        }
        var table = TextTable(["file", "holds", "mode", "bytes"], alignments: [.left, .left, .left, .right])
        for (file, path) in zip(pki.files, paths) {
            table.append([
                path, Self.describe(file.name, pki: pki), file.isPrivate ? "0600" : "0644",
                "\(file.contents.count)",
            ])
        }
        print(table.render(), terminator: "")
        print("dev-pki: \(paths.count) files in \(out), \(rsa ? "RSA 2048" : "EC P-256")")
    }

    private static func describe(_ name: String, pki: DevPKI) -> String {
        let identities = [pki.root] + (pki.deviceCA.map { [$0] } ?? []) + pki.devices + [pki.server]
        for identity in identities {
            if name == identity.name + ".pem" { return identity.certificate.subject }
            if name == identity.name + ".key" {
                return "key of \(identity.certificate.commonName ?? identity.name)"
            }
            if name == identity.name + "-chain.pem" { return "\(identity.name) + its CA" }
        }
        return ""
    }
}
