import Synchronization

/// The front's live connections by device certificate, so that a certificate leaving `ACTIVE` (UpdateCertificate
/// to `INACTIVE`/`REVOKED`, DeleteCertificate) ends the connections that use it, as AWS IoT Core does ("within a
/// few minutes": the front checks every `statusCheckInterval` seconds).
final class IoTCertificateConnections: Sendable {
    private let live = Mutex<[String: [UInt64: @Sendable (String) -> Void]]>([:])

    /// Records connection `id` as using `certificateId`; `close` ends it with a reason for the log.
    func add(_ certificateId: String, id: UInt64, close: @escaping @Sendable (String) -> Void) {
        live.withLock { $0[certificateId, default: [:]][id] = close }
    }

    /// Forgets connection `id`.
    func remove(_ certificateId: String, id: UInt64) {
        live.withLock { live in
            live[certificateId]?[id] = nil
            if live[certificateId]?.isEmpty == true { live[certificateId] = nil }
        }
    }

    /// The certificates with at least one live connection.
    var certificateIds: [String] { live.withLock { Array($0.keys) } }

    /// How many live connections use `certificateId`.
    func count(_ certificateId: String) -> Int { live.withLock { $0[certificateId]?.count ?? 0 } }

    /// Closes every live connection of `certificateId`; returns how many there were.
    @discardableResult
    func closeAll(_ certificateId: String, reason: String) -> Int {
        let closers = live.withLock { $0.removeValue(forKey: certificateId).map { Array($0.values) } ?? [] }
        for close in closers { close(reason) }
        return closers.count
    }
}
