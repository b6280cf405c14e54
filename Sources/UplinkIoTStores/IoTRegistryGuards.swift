import Foundation
import UplinkIoTRegistry

/// AWS's rules for deleting and updating, shared by the stores so they refuse the same things the same way.
enum IoTRegistryGuards {
    /// DeleteCACertificate: AWS deletes a CA only once it is INACTIVE (CertificateStateException).
    static func checkCADeletable(_ status: IoTCACertificateStatus, id: String) throws(IoTRegistryError) {
        guard status == .inactive else {
            throw .invalidState("The CA certificate \(id) is \(status.rawValue): deactivate it before deleting it.")
        }
    }

    /// DeleteCertificate: not while ACTIVE (406), not while attached to a thing (409), not with policies attached
    /// unless forced (409).
    static func checkCertificateDeletable(
        _ status: IoTCertificateStatus, id: String, thingCount: Int, policyCount: Int, force: Bool
    ) throws(IoTRegistryError) {
        guard status != .active else {
            throw .invalidState("Certificate \(id) is ACTIVE: deactivate it before deleting it.")
        }
        guard thingCount == 0 else {
            throw .deleteConflict("Certificate \(id) is attached to \(thingCount) thing(s): detach them first.")
        }
        guard policyCount == 0 || force else {
            throw .deleteConflict(
                "Certificate \(id) has \(policyCount) policy(ies) attached: detach them first, or use forceDelete.")
        }
    }

    /// A CA certificate after an update.
    static func applying(_ update: IoTCACertificateUpdate, to ca: IoTCACertificate, at date: Date)
        -> IoTCACertificate
    {
        var ca = ca
        if let status = update.status { ca.status = status }
        if let auto = update.autoRegistrationStatus { ca.autoRegistrationStatus = auto }
        if update.removeRegistrationConfig { ca.registrationConfig = nil }
        if let config = update.registrationConfig { ca.registrationConfig = config }
        ca.lastModifiedDate = date
        ca.customerVersion += 1
        ca.generationId = UUID().uuidString.lowercased()
        return ca
    }

    /// JSON text of a registration configuration, `nil` for none.
    static func encode(_ config: IoTRegistrationConfig?) -> String? {
        guard let config, let data = try? JSONEncoder().encode(config) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeConfig(_ text: String?) throws(IoTRegistryError) -> IoTRegistrationConfig? {
        guard let text else { return nil }
        do { return try JSONDecoder().decode(IoTRegistrationConfig.self, from: Data(text.utf8)) } catch {
            throw .storage("a stored registrationConfig is not valid JSON: \(error)")
        }
    }

    static func encode(_ attributes: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(attributes) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeAttributes(_ text: String) throws(IoTRegistryError) -> [String: String] {
        do { return try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) } catch {
            throw .storage("stored thing attributes are not valid JSON: \(error)")
        }
    }

    static func enumValue<T: RawRepresentable>(_ type: T.Type, _ raw: String) throws(IoTRegistryError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: raw) else { throw .storage("stored value \(raw) is not a \(T.self)") }
        return value
    }

    /// The page's items and next marker from rows fetched with one extra row (`pageSize + 1`).
    static func page<Item>(_ rows: [(sequence: Int64, item: Item)], pageSize: Int) -> IoTPage<Item> {
        let items = rows.prefix(pageSize)
        let next = rows.count > pageSize ? items.last.map { String($0.sequence) } : nil
        return IoTPage(items: items.map(\.item), nextMarker: next)
    }

    static func checkPageSize(_ paging: IoTPaging) throws(IoTRegistryError) {
        guard IoTPaging.pageSizes.contains(paging.pageSize) else {
            throw .invalidRequest("pageSize must be between 1 and 250, not \(paging.pageSize).")
        }
    }
}
