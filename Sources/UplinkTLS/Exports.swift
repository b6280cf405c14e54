// The handshake pieces (watcher, failure, note) live in UplinkTLSHandshake, which the Foundation-free MQTT
// transport uses without swift-certificates; users of the verifier see them through this target.
@_exported import UplinkTLSHandshake
