import MQTTCodec
import UplinkMQTT

/// One device's JITR onboarding as the bench times it, from the start of its first connect to its first accepted
/// publish: the first connect (the front registers the certificate and closes), the activation rule's work, the
/// reconnect, one QoS 1 publish the policy allows. The device retries as soon as its certificate is active (the bench
/// watches the registry) so the time is the front's and the broker's, not a backoff's.
struct IoTBenchOnboarding: Sendable {
    let lab: IoTBenchLab

    /// Onboards device `index` with clients `makeClient` creates; returns the time to the first accepted publish.
    func onboard(_ index: Int, makeClient: @Sendable () throws -> MQTTClient) async throws -> Duration {
        let first = try makeClient()
        let retry = try makeClient()
        let start = ContinuousClock.now
        // The onboarding close is expected: any error ends the first connect.
        let accepted: Bool
        do {
            _ = try await first.connect()
            accepted = true
        } catch {
            accepted = false
        }
        if accepted {
            await first.disconnect()
            throw IoTBenchError("\(lab.deviceName(index)): the first connect was accepted; JITR closes it")
        }
        try await lab.waitUntilActive(index)
        _ = try await connectAfterActivation(retry, index)
        let code = try await retry.publish(MQTTMessage(topic: lab.topic(index), string: "onboarded", qos: .atLeastOnce))
        let elapsed = ContinuousClock.now - start
        await retry.disconnect()
        guard code.isSuccess else {
            throw IoTBenchError("\(lab.deviceName(index)): the first publish was refused (\(code))")
        }
        return elapsed
    }

    /// The reconnect; a refusal for the CONNECT rate (one per second per client id) is retried a second later, at
    /// most five times.
    private func connectAfterActivation(_ client: MQTTClient, _ index: Int) async throws -> MQTTConnectResult {
        var attempt = 0
        while true {
            do {
                return try await client.connect()
            } catch {
                attempt += 1
                if attempt >= 5 { throw IoTBenchError("\(lab.deviceName(index)): reconnect failed: \(error)") }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
