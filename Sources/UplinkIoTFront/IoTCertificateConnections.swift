import Foundation

/// The front's live connections by device certificate, so that a certificate leaving `ACTIVE` (UpdateCertificate
/// to `INACTIVE`/`REVOKED`, DeleteCertificate) ends the connections that use it, as AWS IoT Core does ("within a
/// few minutes": the front checks every `statusCheckInterval` seconds).
final class IoTCertificateConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var live: [String: [UInt64: @Sendable (String) -> Void]] = [:]

    /// Records connection `id` as using `certificateId`; `close` ends it with a reason for the log.
    func add(_ certificateId: String, id: UInt64, close: @escaping @Sendable (String) -> Void) {
        lock.withLock { live[certificateId, default: [:]][id] = close }
    }

    /// Forgets connection `id`.
    func remove(_ certificateId: String, id: UInt64) {
        lock.withLock {
            live[certificateId]?[id] = nil
            if live[certificateId]?.isEmpty == true { live[certificateId] = nil }
        }
    }

    /// The certificates with at least one live connection.
    var certificateIds: [String] { lock.withLock { Array(live.keys) } }

    /// How many live connections use `certificateId`.
    func count(_ certificateId: String) -> Int { lock.withLock { live[certificateId]?.count ?? 0 } }

    /// Closes every live connection of `certificateId`; returns how many there were.
    @discardableResult
    func closeAll(_ certificateId: String, reason: String) -> Int {
        let closers = lock.withLock { live.removeValue(forKey: certificateId).map { Array($0.values) } ?? [] }
        for close in closers { close(reason) }
        return closers.count
    }
}
