import Foundation
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `uplink iot api` on a free port of 127.0.0.1 with its own data folder, and the AWS CLI pointed at it.
final class IoTFront: @unchecked Sendable {
    let data: String
    let port: Int
    private let server: ChildProcess
    private let log: String

    /// Starts the server on a port the system picks (`--port 0`: no race for a free port) and reads it from the
    /// `listening on http://127.0.0.1:PORT` line (waits up to 20 s); `extra` are more `uplink iot api` options.
    init(data: String? = nil, extra: [String] = []) async throws {
        self.data = data ?? NSTemporaryDirectory() + "uplink-iot-front-\(UUID().uuidString)"
        log = NSTemporaryDirectory() + "uplink-iot-api-\(UUID().uuidString).log"
        server = try ChildProcess(
            path: UplinkExecutable.path(),
            arguments: ["iot", "api", "--port", "0", "--data", self.data] + extra, outputPath: log)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on http://") }),
                let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...])
            {
                self.port = port
                return
            }
            guard server.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.forceKill()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw IoTFrontError("uplink iot api did not start: \(text)")
    }

    /// Stops the server; keeps the data folder unless `removeData`.
    func stop(removeData: Bool = true) async {
        await server.stop(grace: .seconds(5))
        try? FileManager.default.removeItem(atPath: log)
        if removeData { try? FileManager.default.removeItem(atPath: data) }
    }

    /// The AWS CLI of the test venv (next to `UPLINK_PYTHON`, else `.build-venv/bin/aws`).
    static var awsPath: String {
        if let python = ProcessInfo.processInfo.environment["UPLINK_PYTHON"], !python.isEmpty {
            return URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("aws").path
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build-venv/bin/aws").path
    }

    struct Result {
        var status: Int32?
        var output: String
        var error: String
        /// stdout as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
        }
        /// The error type the CLI printed: `An error occurred (TYPE) when calling ...`.
        var errorType: String? {
            guard let start = error.range(of: "An error occurred ("),
                let end = error.range(of: ")", range: start.upperBound..<error.endIndex)
            else { return nil }
            return String(error[start.upperBound..<end.lowerBound])
        }
    }

    /// Runs `aws iot <arguments> --endpoint-url http://127.0.0.1:PORT` with dummy credentials.
    func aws(_ arguments: [String], accessKey: String = "AKIDUPLINKTEST", secret: String = "dummy-secret")
        async throws -> Result
    {
        try await Self.aws(arguments, port: port, accessKey: accessKey, secret: secret)
    }

    /// Runs `aws iot <arguments> --endpoint-url http://127.0.0.1:PORT` with dummy credentials.
    static func aws(
        _ arguments: [String], port: Int, accessKey: String = "AKIDUPLINKTEST", secret: String = "dummy-secret"
    ) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: Self.awsPath) else {
            throw IoTFrontError("the AWS CLI is not at \(Self.awsPath): run scripts/peers.sh (it installs awscli)")
        }
        return try await run(
            Self.awsPath, ["iot"] + arguments + ["--endpoint-url", "http://127.0.0.1:\(port)", "--output", "json"],
            environment: [
                "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard",
            ])
    }

    /// Sends raw HTTP/1.1 bytes and returns the response head and body (reads until close, 10 s at most).
    func raw(_ request: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw IoTFrontError("socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw IoTFrontError("connect failed") }
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the server may answer and close before reading everything
            sent += count
        }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// A request with a well-formed SigV4 Authorization header (the signature is not checked by default).
    static func signedHead(_ method: String, _ path: String, body: Int, scope: String = "iot", extra: String = "")
        -> String
    {
        "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: 20261204T120000Z\r\n"
            + "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/\(scope)/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "ab", count: 32))\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body)\r\nConnection: close\r\n\(extra)\r\n"
    }
}

struct IoTFrontError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension IoTFront {
    /// Runs `uplink iot <arguments>` to the end (60 s at most); the result's `errorType` reads the AWS CLI's error
    /// line.
    static func uplink(_ arguments: [String]) async throws -> Result {
        try await run(UplinkExecutable.path(), ["iot"] + arguments)
    }

    /// Runs `path` with `arguments` (and `environment` added to this process's) to the end, 60 s at most; what it
    /// wrote to standard output and error.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> Result
    {
        let out = NSTemporaryDirectory() + "uplink-iot-run-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: out + ".out")
            try? FileManager.default.removeItem(atPath: out + ".err")
        }
        let child = try ChildProcess(
            path: path, arguments: arguments, standardOutput: .file(out + ".out"),
            standardError: .file(out + ".err"), environment: environment)
        let deadline = ContinuousClock.now + .seconds(60)
        while child.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        child.forceKill()
        return Result(
            status: child.exitStatus, output: (try? String(contentsOfFile: out + ".out", encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")
    }
}
