import NIOSSL
import UplinkMQTT

/// TLS settings for ``MQTTNIOTransport``: server verification (on by default), a client certificate chain and key
/// for mutual TLS, SNI and ALPN. TLS 1.2 is the minimum version.
public struct MQTTTLSConfiguration: Sendable {
    /// PEM file of the CA certificates that sign the broker's certificate; `nil` uses the system trust store.
    public var caFile: String?
    /// PEM file of the client certificate chain (leaf first), for mutual TLS.
    public var certificateFile: String?
    /// PEM file of the client private key (RSA or EC).
    public var keyFile: String?
    /// Name sent in SNI and checked against the broker's certificate; `nil` uses the host (IP addresses are
    /// checked against the certificate's IP SANs and send no SNI).
    public var serverName: String?
    /// ALPN protocols offered (AWS IoT on port 443: `x-amzn-mqtt-ca`).
    public var alpn: [String]
    /// Whether to verify the broker's certificate and name. Turning this off is for tests only.
    public var verifyPeer: Bool

    /// Creates a TLS configuration; with no arguments, server-authenticated TLS against the system roots.
    public init(
        caFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        serverName: String? = nil,
        alpn: [String] = [],
        verifyPeer: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.alpn = alpn
        self.verifyPeer = verifyPeer
    }

    /// Builds the NIOSSL context (reads the files).
    func makeContext() throws(MQTTClientError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = verifyPeer ? .fullVerification : .none
        do {
            if let caFile { tls.trustRoots = .file(caFile) }
            if let certificateFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            }
            if let keyFile { tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)) }
        } catch {
            throw .invalidArgument("cannot load TLS credentials: \(error)")
        }
        if (certificateFile == nil) != (keyFile == nil) {
            throw .invalidArgument("a client certificate needs its key, and a key its certificate")
        }
        tls.applicationProtocols = alpn
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .invalidArgument("invalid TLS configuration: \(error)")
        }
    }
}
