import ArgumentParser
import Foundation
import UplinkIoTControlPlane

/// Runs one control-plane operation for `uplink iot <operation>`: the request botocore would send, handled by
/// ``IoTControlPlane`` directly on the registry of --data/--registry (no HTTP, no signature), answered as the AWS
/// CLI does: the JSON output on stdout (nothing for an empty answer), an error as `An error occurred (TYPE) when
/// calling the OPERATION operation: MESSAGE` on stderr with exit status 254.
enum IoTOperationRunner {
    static func run(
        _ operation: String, _ options: IoTRegistryOptions, method: String, path: [String],
        query: [(String, String)] = [], headers: [String: String] = [:], body: [String: Any]? = nil
    ) async throws {
        let registry = try await options.open()
        let plane = IoTControlPlane(registry: registry, settings: options.settings)
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/:")
        let rawPath =
            "/"
            + path.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(
                separator: "/")
        var queryAllowed = CharacterSet.urlQueryAllowed
        queryAllowed.remove(charactersIn: "&=+")
        let rawQuery = query.map {
            "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? $0.1)"
        }.joined(separator: "&")
        let bytes = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        let response = await plane.handle(
            IoTAPIRequest(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: headers, body: bytes))
        guard response.status < 300 else {
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            let type = response.headers["x-amzn-ErrorType"] ?? "Unknown"
            let message = object?["message"] as? String ?? ""
            FileHandle.standardError.write(
                Data("\nAn error occurred (\(type)) when calling the \(operation) operation: \(message)\n".utf8))
            throw ExitCode(254)
        }
        guard !response.body.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return }
        FileHandle.standardOutput.write(pretty + Data("\n".utf8))
    }

    /// An AWS CLI blob-or-text argument: `file://PATH` reads the file, anything else is the text itself.
    static func text(_ value: String, option: String) throws -> String {
        guard value.hasPrefix("file://") else { return value }
        let path = String(value.dropFirst("file://".count))
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("\(option) \(value): cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// An AWS CLI JSON-object argument: JSON text, `file://PATH`, or the shorthand `key=value[,key=value]` of
    /// string values (`--registration-config templateName=NAME`).
    static func object(_ value: String, option: String) throws -> [String: Any] {
        let text = try self.text(value, option: option)
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] { return object }
        var object = [String: Any]()
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            // Flat string values only: the nested shorthand (`attributes={k=v}`) is refused with the message.
            guard !text.hasPrefix("{"), parts.count == 2, !parts[0].isEmpty,
                !parts[1].contains(where: { "{}[]".contains($0) })
            else {
                throw ValidationError("\(option) must be a JSON object, file://PATH of one, or key=value[,key=value]")
            }
            object[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1])
        }
        guard !object.isEmpty else { throw ValidationError("\(option) is empty") }
        return object
    }
}
