/// What a generated certificate is for; decides its extensions.
public enum CertificateRole: Sendable, Equatable {
    /// A self-signed root: CA:TRUE, keyCertSign and cRLSign.
    case rootCA
    /// An intermediate (a JITR "device CA"): CA:TRUE with a path length, keyCertSign and cRLSign.
    case intermediateCA(pathLength: Int?)
    /// A device certificate: CA:FALSE, digitalSignature, EKU clientAuth.
    case client
    /// A broker certificate: CA:FALSE, digitalSignature, EKU serverAuth, SANs (DNS names or IP addresses).
    case server(names: [String])
}
