import ATCodec

extension ModuleDriver {
    /// Connects the module's own MQTT client as a device being onboarded by AWS IoT (JITR/JITP): an MQTTCONN that the
    /// broker closes before CONNACK (``ATCodec/ATError/mqttClosedBeforeConnAck``: the certificate is pending
    /// activation) is sent again, `interval` later (at least one second: AWS takes one CONNECT a second per client id),
    /// up to `attempts` MQTTCONNs in all. Any other failure, and the last close, are thrown as they come. Returns the
    /// connection's id.
    public func mqttConnectOnboarding(
        _ parameters: ATMQTTConnectParameters, attempts: Int = 10, interval: Duration = .seconds(2)
    ) async throws -> Int {
        let pause = max(interval, .seconds(1))
        var attempt = 1
        while true {
            do {
                return try await mqttConnect(parameters)
            } catch let error as ModuleDriverError
                where error.moduleError == .mqttClosedBeforeConnAck && attempt < max(1, attempts)
            {
                attempt += 1
                try await Task.sleep(for: pause)
            }
        }
    }
}
