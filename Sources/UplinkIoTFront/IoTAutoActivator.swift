import Foundation
import Logging
import UplinkIoTRegistry

/// The activation rule in place of the customer's Lambda (`--auto-activate POLICY [--delay S]`): each newly
/// registered certificate is activated after the delay and the policy attached to it.
public struct IoTAutoActivator: Sendable {
    public let registry: any IoTRegistry
    public let account: IoTAccount
    public let policyName: String
    /// Seconds between the registration and the activation (0 to ``maximumDelay``).
    public let delay: Double
    /// The longest delay: `uplink iot serve --delay` takes at most this; a larger one (or a negative or non-finite
    /// one) given to ``init(registry:account:policyName:delay:logger:)`` is clamped, never a trap.
    public static let maximumDelay: Double = 3_600
    public let logger: Logger

    public init(registry: any IoTRegistry, account: IoTAccount, policyName: String, delay: Double, logger: Logger) {
        self.registry = registry
        self.account = account
        self.policyName = policyName
        self.delay = delay.isNaN ? 0 : min(max(0, delay), Self.maximumDelay)
        self.logger = logger
    }

    /// Schedules the activation of a certificate that was just registered PENDING_ACTIVATION.
    public func registered(_ certificateId: String) {
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            await activate(certificateId)
        }
    }

    /// Activates now (when still pending) and attaches the policy.
    func activate(_ certificateId: String) async {
        do {
            guard let record = try await registry.certificate(id: certificateId),
                record.status == .pendingActivation
            else { return }
            try await registry.attachPolicy(name: policyName, target: account.certificateArn(certificateId))
            try await registry.updateCertificateStatus(id: certificateId, to: .active)
            logger.info("auto-activate: certificate \(certificateId) ACTIVE with policy \(policyName)")
        } catch {
            logger.error("auto-activate: certificate \(certificateId): \(error)")
        }
    }
}
