import ArgumentParser
import UplinkCredentials

/// `uplink certs convert IN --to der|pem [--pkcs8|--traditional] -o OUT`.
struct CertsConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert certificates or a key between PEM and DER, and keys between PKCS#8 and PKCS#1/SEC1.",
        discussion: """
            Several certificates in DER are written one after another, leaf first (Uplink's module \
            reads them all; OpenSSL reads only the first). Keys are written with mode 0600.
            """
    )

    @Argument(help: "Input file (PEM or DER).")
    var input: String

    @Option(name: .long, help: "Output encoding: der or pem.")
    var to: String

    @Flag(name: .long, help: "Write the key as PKCS#8 (PRIVATE KEY).")
    var pkcs8 = false

    @Flag(name: .long, help: "Write the key as PKCS#1 (RSA) or SEC1 (EC), the smaller form.")
    var traditional = false

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output).")
    var output: String

    func validate() throws {
        guard ["der", "pem"].contains(to.lowercased()) else {
            throw ValidationError("--to takes der or pem, not '\(to)'.")
        }
        guard !(pkcs8 && traditional) else {
            throw ValidationError("--pkcs8 and --traditional exclude each other.")
        }
    }

    func run() throws {
        let summary = try CertsIO.run("convert") { () throws(CredentialError) -> String in
            let bytes = try SecureFileWriter.read(input)
            let encoding: CredentialEncoding = to.lowercased() == "der" ? .der : .pem
            let choice: CredentialConverter.KeyFormatChoice = pkcs8 ? .pkcs8 : (traditional ? .traditional : .same)
            let converted = try CredentialConverter.convert(bytes, to: encoding, keyFormat: choice)
            let isKey = try CredentialFile(bytes: bytes).certificates.isEmpty
            try CertsIO.write(converted, to: output, isPrivate: isKey)
            return "\(input) (\(bytes.count) bytes) → \(output) (\(converted.count) bytes \(encoding))"
        }
        if output != "-" { print(summary) }
    }
}
