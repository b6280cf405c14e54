// The SPWF04 MQTT client's errors (AT+S.MQTTCONN, MQTTSUB, MQTTPUB, MQTTUNSUB, MQTTDISC): codes 94–100 are Uplink's
// choice (the SPWF04 manual's table was not available); docs/at-commands.md lists them.
extension ATError {
    /// MQTTSUB/PUB/UNSUB/DISC named no open MQTT connection (a wrong id, never connected, or closed).
    public static var mqttNotConnected: ATError { entry(94) }
    /// MQTTCONN while the module's one MQTT connection is open.
    public static var mqttAlreadyConnected: ATError { entry(95) }
    /// The broker answered CONNECT with a refusal (bad user or password, client id refused, not authorized).
    public static var mqttConnectionRefused: ATError { entry(96) }
    /// The broker refused the subscription (SUBACK failure code).
    public static var mqttSubscribeRefused: ATError { entry(97) }
    /// MQTTPUB's message is longer than the module takes (4096 bytes).
    public static var mqttMessageTooLong: ATError { entry(98) }
    /// MQTTCONN with a path: MQTT over WebSocket, which Uplink's module does not speak.
    public static var mqttWebSocketUnsupported: ATError { entry(99) }
    /// MQTTCONN: the broker (or a front before it) closed the connection after TCP and TLS succeeded, before any
    /// CONNACK — how AWS IoT answers a certificate pending activation (JITR) and, in MQTT 3.1.1, a CONNECT its policy
    /// denies. Its text starts with ``mqttConnectionRefused``'s, so a host comparing prefixes takes it as a refusal.
    public static var mqttClosedBeforeConnAck: ATError { entry(100) }
}
