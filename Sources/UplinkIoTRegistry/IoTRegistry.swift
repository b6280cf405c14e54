/// Why a registry operation failed, in terms the control plane maps to AWS's error types.
public enum IoTRegistryError: Error, Sendable, Equatable {
    /// ResourceNotFoundException (404).
    case notFound(String)
    /// ResourceAlreadyExistsException (409) with the existing resource's id and ARN.
    case alreadyExists(resourceId: String, resourceArn: String)
    /// CertificateStateException (406): the operation is not allowed in the current state.
    case invalidState(String)
    /// DeleteConflictException (409): still attached or referenced.
    case deleteConflict(String)
    /// InvalidRequestException (400).
    case invalidRequest(String)
    /// LimitExceededException (410).
    case limitExceeded(String)
    /// The store itself failed (I/O, database); the message says where.
    case storage(String)
}

/// The identity registry shared by the front's data plane (`uplink iot serve`) and its control plane.
///
/// The data plane uses the operations below; the control plane adds its own (list, describe,
/// delete, versions) on the concrete stores. Every write is one transaction.
public protocol IoTRegistry: Sendable {
    /// The CA certificate with this id, if registered.
    func caCertificate(id: String) async throws(IoTRegistryError) -> IoTCACertificate?
    /// Every registered CA certificate (the front finds a leaf's issuer among them).
    func caCertificates() async throws(IoTRegistryError) -> [IoTCACertificate]
    /// The device certificate with this id, if registered.
    func certificate(id: String) async throws(IoTRegistryError) -> IoTCertificate?
    /// Registers a device certificate; when its id is already registered, returns the stored
    /// record unchanged (JITR retries register nothing new).
    func registerCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError) -> IoTCertificate
    /// Sets a device certificate's status (AWS's transition rules are the caller's to check).
    func updateCertificateStatus(id: String, to status: IoTCertificateStatus) async throws(IoTRegistryError)
    /// Creates a policy, or fails with `alreadyExists`.
    func createPolicy(_ policy: IoTPolicy) async throws(IoTRegistryError)
    /// The policy with this name (default version), if any.
    func policy(name: String) async throws(IoTRegistryError) -> IoTPolicy?
    /// Attaches a policy to a target (a certificate ARN); attaching twice is not an error.
    func attachPolicy(name: String, target: String) async throws(IoTRegistryError)
    /// The policies attached to a target, each with its default version's document.
    func attachedPolicies(target: String) async throws(IoTRegistryError) -> [IoTPolicy]
    /// Creates a thing, or fails with `alreadyExists`.
    func createThing(_ thing: IoTThing) async throws(IoTRegistryError)
    /// The thing with this name, if any.
    func thing(name: String) async throws(IoTRegistryError) -> IoTThing?
    /// Attaches a principal (a certificate ARN) to a thing; attaching twice is not an error.
    func attachThingPrincipal(thingName: String, principal: String) async throws(IoTRegistryError)
    /// The names of the things a principal is attached to.
    func thingNames(principal: String) async throws(IoTRegistryError) -> [String]
    /// Applies a JITP plan in one transaction: all of it or nothing.
    func provision(_ plan: IoTProvisioningPlan) async throws(IoTRegistryError)
    /// The provisioning template with this name, if any (JITP by a CA's `registrationConfig.templateName`).
    func provisioningTemplate(name: String) async throws(IoTRegistryError) -> IoTProvisioningTemplateRecord?
}
