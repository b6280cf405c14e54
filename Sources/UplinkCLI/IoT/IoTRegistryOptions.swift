import ArgumentParser
import UplinkIoTControlPlane
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores

/// Where the registry is, and who the front says it is: shared by every `uplink iot` subcommand.
struct IoTRegistryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            Data folder of the SQLite registry and of serve's development server certificate \
            (default $XDG_DATA_HOME/uplink/iot or ~/.local/share/uplink/iot).
            """)
    var data: String?

    @Option(
        name: .long,
        help: """
            A shared registry instead: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE\
            &sslrootcert=CA.pem&sslcert=CERT.pem&sslkey=KEY.pem] (TLS verified by default, except on loopback).
            """)
    var registry: String?

    @Option(name: .customLong("account"), help: "Account id in ARNs and events (12 digits).")
    var accountId = "123456789012"

    @Option(name: .long, help: "Region in ARNs and endpoint addresses.")
    var region = "us-east-1"

    func validate() throws {
        guard accountId.count == 12, accountId.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("--account must be 12 digits, not \(accountId)")
        }
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ValidationError("--region must be letters, digits and dashes, not \(region)")
        }
    }

    var settings: IoTControlPlaneSettings { IoTControlPlaneSettings(accountId: accountId, region: region) }

    /// The data folder: --data, or the default one.
    var folder: String { data ?? SQLiteIoTRegistry.defaultDirectory() }

    /// The account and region ARNs are made in.
    var account: IoTAccount { IoTAccount(region: region, accountId: accountId) }

    /// Opens the registry: the one at --registry, else the SQLite database in the data folder (created when
    /// missing).
    func open() async throws -> any IoTControlRegistry {
        if let registry {
            return try await IoTRegistryURL.open(registry)
        }
        let directory = folder
        do { return try SQLiteIoTRegistry(directory: directory) } catch {
            throw IoTCLIError("cannot open the registry in \(directory): \(error)")
        }
    }
}

/// A failure the CLI reports on one line and exits 1 for.
struct IoTCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
