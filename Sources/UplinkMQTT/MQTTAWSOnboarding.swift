import Logging

/// JITR/JITP onboarding on the device side: AWS IoT closes a new certificate's first connections right after the TLS
/// handshake (the certificate is PENDING_ACTIVATION until a rule activates it, or being provisioned), with no CONNACK
/// and no reason. The client retries those first connects with its backoff — never faster than once a second per
/// client id (``MQTTAWSIoTProfile/minimumConnectInterval``) — and says what is happening, until the certificate is
/// active (the CONNECT is answered) or ``attempts`` first connects have failed.
public struct MQTTAWSOnboarding: Sendable, Equatable {
    /// How many first connects to try before `connect()` fails.
    public var attempts: Int
    /// The largest backoff window between two of them.
    public var maximumDelay: Duration

    /// Up to `attempts` first connects (at least 1), with windows growing to `maximumDelay`.
    public init(attempts: Int = 10, maximumDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.maximumDelay = maximumDelay
    }

    /// Applies the onboarding retries to a configuration: the AWS IoT profile on (1 CONNECT/s per client id),
    /// `attempts` first connects, the backoff's first window at least the minimum interval.
    public func apply(to configuration: inout MQTTClientConfiguration) {
        let profile = configuration.awsIoT ?? MQTTAWSIoTProfile()
        configuration.awsIoT = profile
        configuration.reconnect.initialConnectAttempts = attempts
        configuration.reconnect.minimumDelay = max(configuration.reconnect.minimumDelay, profile.minimumConnectInterval)
        configuration.reconnect.initialDelay = max(configuration.reconnect.initialDelay, profile.minimumConnectInterval)
        configuration.reconnect.maximumDelay = max(maximumDelay, configuration.reconnect.initialDelay)
    }

    /// Whether a failed first connect looks like AWS's onboarding close: the connection ended before any CONNACK
    /// (not a CONNACK refusal, not an unreachable host).
    public static func isOnboardingClose(_ error: MQTTClientError) -> Bool {
        switch error {
        case .connectionClosed(nil, _): return true
        case .transportError: return true
        case .timeout(let text): return text.lowercased().contains("connack")
        case .transportFailed(let text):
            let lower = text.lowercased()
            return lower.contains("closed") || lower.contains("eof") || lower.contains("reset")
        default: return false
        }
    }
}

extension MQTTClient {
    /// The log line of a failed first connect; an onboarding close under the AWS profile says what it likely means.
    func logFirstConnectFailure(_ error: MQTTClientError, attemptsLeft: Int) {
        guard configuration.awsIoT != nil, MQTTAWSOnboarding.isOnboardingClose(error) else {
            logger.info("MQTT connect failed", metadata: ["reason": "\(error)"])
            return
        }
        if attemptsLeft > 0 {
            logger.notice(
                """
                AWS IoT closed the connection before CONNACK: the certificate is probably PENDING_ACTIVATION (JITR, \
                waiting for activation) or being provisioned (JITP); retrying
                """,
                metadata: ["reason": "\(error)", "attemptsLeft": "\(attemptsLeft)"])
        } else {
            logger.error(
                """
                AWS IoT kept closing the connection before CONNACK; giving up: is the certificate activated and \
                a policy attached?
                """, metadata: ["reason": "\(error)"])
        }
    }
}
