import ArgumentParser
import Foundation
import UplinkCredentials

/// File access and error reporting shared by the `uplink certs` commands.
enum CertsIO {
    /// Exit status for a file that cannot be read or parsed.
    static let badInput = ExitCode(2)

    /// Reads a file as a fit/inspect input.
    static func input(_ path: String) throws(CredentialError) -> FitRequest.Input {
        FitRequest.Input(name: path, bytes: try SecureFileWriter.read(path))
    }

    /// Runs `body`; a `CredentialError` is printed as `uplink certs <command>: <message>` and exits with status 2.
    static func run<T>(_ command: String, _ body: () throws(CredentialError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            printError("uplink certs \(command): \(error)")
            throw badInput
        }
    }

    /// Writes `bytes` to `path`, or to standard output for `-`.
    static func write(_ bytes: [UInt8], to path: String, isPrivate: Bool) throws(CredentialError) {
        if path == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        try SecureFileWriter.write(
            bytes, to: path, mode: isPrivate ? SecureFileWriter.privateMode : SecureFileWriter.publicMode)
    }

    /// Prints a line to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
