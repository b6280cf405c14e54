import Foundation

/// One page of a list operation: the items and the marker of the next page (`nil` on the last page).
public struct IoTPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextMarker: String?

    public init(items: [Item], nextMarker: String?) {
        self.items = items
        self.nextMarker = nextMarker
    }
}

/// How a list is paged: at most `pageSize` items after `marker`, oldest first when `ascending`.
public struct IoTPaging: Sendable, Equatable {
    /// AWS's bounds for `pageSize`.
    public static let pageSizes = 1...250
    public var pageSize: Int
    public var marker: String?
    public var ascending: Bool

    public init(pageSize: Int = 25, marker: String? = nil, ascending: Bool = false) {
        self.pageSize = pageSize
        self.marker = marker
        self.ascending = ascending
    }

    /// The marker as a sequence number, or `invalidRequest` when it is not one this registry gave out.
    public func markerSequence() throws(IoTRegistryError) -> Int64? {
        guard let marker else { return nil }
        guard let value = Int64(marker), value >= 0 else {
            throw .invalidRequest("The marker \(marker) is not valid.")
        }
        return value
    }
}

/// A change to a CA certificate (UpdateCACertificate): each `nil` field stays as it is.
public struct IoTCACertificateUpdate: Sendable, Equatable {
    public var status: IoTCACertificateStatus?
    public var autoRegistrationStatus: IoTAutoRegistrationStatus?
    public var registrationConfig: IoTRegistrationConfig?
    /// Clears the registration configuration (AWS `removeAutoRegistration`).
    public var removeRegistrationConfig: Bool

    public init(
        status: IoTCACertificateStatus? = nil, autoRegistrationStatus: IoTAutoRegistrationStatus? = nil,
        registrationConfig: IoTRegistrationConfig? = nil, removeRegistrationConfig: Bool = false
    ) {
        self.status = status
        self.autoRegistrationStatus = autoRegistrationStatus
        self.registrationConfig = registrationConfig
        self.removeRegistrationConfig = removeRegistrationConfig
    }
}

/// The registry as the control plane needs it: the data plane's operations plus listing, describing,
/// updating and deleting, with AWS's guards. Every write is one transaction.
public protocol IoTControlRegistry: IoTRegistry, IoTProvisioningTemplateStore {
    /// Registers a CA certificate, or fails with `alreadyExists`.
    func createCACertificate(_ certificate: IoTCACertificate) async throws(IoTRegistryError)
    /// Changes a CA certificate's status, auto-registration or registration configuration; `notFound` if absent.
    func updateCACertificate(id: String, _ update: IoTCACertificateUpdate, at date: Date)
        async throws(IoTRegistryError)
    /// Deletes a CA certificate; `invalidState` unless it is INACTIVE.
    func deleteCACertificate(id: String) async throws(IoTRegistryError)
    /// One page of the CA certificates, by registration order.
    func listCACertificates(_ paging: IoTPaging) async throws(IoTRegistryError) -> IoTPage<IoTCACertificate>
    /// Registers a device certificate, or fails with `alreadyExists` (RegisterCertificate).
    func createCertificate(_ certificate: IoTCertificate) async throws(IoTRegistryError)
    /// One page of the device certificates (those of one CA when `caCertificateId` is given).
    func listCertificates(caCertificateId: String?, _ paging: IoTPaging) async throws(IoTRegistryError)
        -> IoTPage<IoTCertificate>
    /// Deletes a device certificate with AWS's guards: `invalidState` when ACTIVE, `deleteConflict` when a
    /// thing is attached, or a policy is and `force` is false (force detaches the policies).
    func deleteCertificate(id: String, force: Bool) async throws(IoTRegistryError)
    /// Detaches a policy from a target; detaching what is not attached is not an error.
    func detachPolicy(name: String, target: String) async throws(IoTRegistryError)
    /// The principals (certificate ARNs) attached to a thing; `notFound` when the thing does not exist.
    func thingPrincipals(thingName: String) async throws(IoTRegistryError) -> [String]
    /// The registry's value for `key`, set to `makeValue()` on first use (registration code, endpoint prefix):
    /// stable for the registry's lifetime, the same for every instance sharing it.
    func setting(_ key: String, orInsert makeValue: @Sendable () -> String) async throws(IoTRegistryError) -> String
}
