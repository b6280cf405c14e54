import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The control plane over HTTP (Hummingbird): `aws iot ... --endpoint-url http://HOST:PORT` talks to it.
///
/// Every request must be SigV4-signed for service `iot` (``IoTSigV4``); bodies are bounded by
/// ``IoTControlPlaneSettings/maximumBodySize`` (413 `RequestEntityTooLargeException` beyond, nothing stored).
public struct IoTControlPlaneServer: Sendable {
    public let plane: IoTControlPlane
    public let host: String
    public let port: Int
    public let logger: Logger

    /// A server for `plane` on `host:port` (port 0: any free port, reported to `run`'s `onListening`).
    public init(plane: IoTControlPlane, host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil) {
        self.plane = plane
        self.host = host
        self.port = port
        var fallback = Logger(label: "uplink.iot.api")
        fallback.logLevel = .notice
        self.logger = logger ?? fallback
    }

    /// Serves until the task is cancelled; calls `onListening` with the bound port once listening.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = Responder(plane: plane, logger: logger)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.run()
    }

    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let plane: IoTControlPlane
        let logger: Logger

        func respond(to request: Request, context: Context) async throws -> Response {
            var headers = [String: String]()
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            if let authority = request.head.authority { headers["host"] = authority }
            var apiRequest = IoTAPIRequest(
                method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query ?? "",
                headers: headers)
            let response: IoTAPIResponse
            do {
                apiRequest.body = try await body(of: request, declaredLength: headers["content-length"])
                try IoTSigV4.check(apiRequest, secrets: plane.settings.credentials)
                response = await plane.handle(apiRequest)
            } catch {
                response = IoTAPIResponse(error: error)
            }
            if response.status >= 400 {
                let type = response.headers["x-amzn-ErrorType"] ?? "?"
                logger.info("\(request.method.rawValue) \(request.uri.path) → \(response.status) \(type)")
            }
            var fields = HTTPFields()
            for (name, value) in response.headers {
                if let name = HTTPField.Name(name) { fields[name] = value }
            }
            if let name = HTTPField.Name("x-amzn-RequestId") { fields[name] = UUID().uuidString.lowercased() }
            return Response(
                status: HTTPResponse.Status(code: response.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
        }

        private func body(of request: Request, declaredLength: String?) async throws(IoTAPIError) -> [UInt8] {
            let limit = plane.settings.maximumBodySize
            if let declaredLength, let length = Int(declaredLength), length > limit { throw .tooLarge(limit) }
            do {
                var buffer = try await request.body.collect(upTo: limit)
                return buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                throw .tooLarge(limit)
            }
        }
    }
}
