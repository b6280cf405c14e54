import UplinkIoTRegistry

/// An error as AWS IoT's control plane answers it: HTTP status, `x-amzn-ErrorType`, `{"message": ...}`.
public struct IoTAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error type, e.g. `ResourceNotFoundException`.
    public var type: String
    /// The HTTP status.
    public var status: Int
    /// The message.
    public var message: String
    /// Extra body fields (`resourceId`, `resourceArn` of ResourceAlreadyExistsException).
    public var fields: [String: String]

    public init(_ type: String, _ status: Int, _ message: String, fields: [String: String] = [:]) {
        self.type = type
        self.status = status
        self.message = message
        self.fields = fields
    }

    public var description: String { "\(type): \(message)" }

    static func invalidRequest(_ message: String) -> IoTAPIError {
        IoTAPIError("InvalidRequestException", 400, message)
    }
    static func certificateValidation(_ message: String) -> IoTAPIError {
        IoTAPIError("CertificateValidationException", 400, message)
    }
    static func registrationCodeValidation(_ message: String) -> IoTAPIError {
        IoTAPIError("RegistrationCodeValidationException", 400, message)
    }
    static func malformedPolicy(_ message: String) -> IoTAPIError {
        IoTAPIError("MalformedPolicyException", 400, message)
    }
    static func notFound(_ message: String) -> IoTAPIError { IoTAPIError("ResourceNotFoundException", 404, message) }
    static func certificateState(_ message: String) -> IoTAPIError {
        IoTAPIError("CertificateStateException", 406, message)
    }
    static func limitExceeded(_ message: String) -> IoTAPIError { IoTAPIError("LimitExceededException", 410, message) }
    /// A request body over the bound (API Gateway's answer to an oversized request).
    static func tooLarge(_ limit: Int) -> IoTAPIError {
        IoTAPIError("RequestEntityTooLargeException", 413, "Request body is larger than \(limit) bytes.")
    }
    static let unknownOperation = IoTAPIError(
        "UnknownOperationException", 404, "No operation of this front matches the method and path.")

    /// The AWS error for a registry failure.
    public init(_ error: IoTRegistryError) {
        switch error {
        case .notFound(let message): self = .notFound(message)
        case .alreadyExists(let id, let arn):
            self = IoTAPIError(
                "ResourceAlreadyExistsException", 409, "The resource \(id) already exists.",
                fields: ["resourceId": id, "resourceArn": arn])
        case .invalidState(let message): self = .certificateState(message)
        case .deleteConflict(let message): self = IoTAPIError("DeleteConflictException", 409, message)
        case .invalidRequest(let message): self = .invalidRequest(message)
        case .limitExceeded(let message): self = .limitExceeded(message)
        case .storage(let message): self = IoTAPIError("InternalFailureException", 500, "Registry failure: \(message)")
        }
    }
}
