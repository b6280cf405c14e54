import ArgumentParser
import Foundation
import UplinkIoTControlPlane

/// `uplink iot api --port N [--data DIR | --registry URL]`: the control plane alone, for `aws iot --endpoint-url`.
struct IoTAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the control plane (AWS IoT's rest-json onboarding calls) over HTTP.",
        discussion: """
            Use it with `aws iot <command> --endpoint-url http://127.0.0.1:PORT` and any credentials \
            (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION). Requests must be SigV4-signed \
            for service iot; signatures are verified only for the --access-key-id/--secret-access-key pair \
            when given. Prints `listening on http://HOST:PORT` once ready.
            """
    )

    @OptionGroup var registryOptions: IoTRegistryOptions

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port = 0

    @Option(name: .long, help: "Verify signatures made with this access key id (needs --secret-access-key).")
    var accessKeyId: String?

    @Option(name: .long, help: "The secret of --access-key-id.")
    var secretAccessKey: String?

    @Option(name: .long, help: "Largest request body in bytes.")
    var maxBody = 1 << 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
        guard (1024...(64 << 20)).contains(maxBody) else {
            throw ValidationError("--max-body must be 1024 to 67108864, not \(maxBody)")
        }
        guard (accessKeyId == nil) == (secretAccessKey == nil) else {
            throw ValidationError("--access-key-id and --secret-access-key go together")
        }
    }

    func run() async throws {
        var settings = registryOptions.settings
        settings.maximumBodySize = maxBody
        if let accessKeyId, let secretAccessKey { settings.credentials = [accessKeyId: secretAccessKey] }
        let registry = try await registryOptions.open()
        let server = IoTControlPlaneServer(
            plane: IoTControlPlane(registry: registry, settings: settings), host: host, port: port)
        let host = self.host
        try await server.run { port in
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
    }
}
