import Crypto

/// The account and region the front answers as, and the ARNs and ids it derives from them.
///
/// Defaults: region `us-east-1`, account `123456789012` (AWS's documentation placeholder).
public struct IoTAccount: Sendable, Equatable {
    public var region: String
    public var accountId: String

    public init(region: String = "us-east-1", accountId: String = "123456789012") {
        self.region = region
        self.accountId = accountId
    }

    /// `arn:aws:iot:<region>:<account>:cert/<id>`.
    public func certificateArn(_ id: String) -> String { "arn:aws:iot:\(region):\(accountId):cert/\(id)" }
    /// `arn:aws:iot:<region>:<account>:cacert/<id>`.
    public func caCertificateArn(_ id: String) -> String { "arn:aws:iot:\(region):\(accountId):cacert/\(id)" }
    /// `arn:aws:iot:<region>:<account>:policy/<name>`.
    public func policyArn(_ name: String) -> String { "arn:aws:iot:\(region):\(accountId):policy/\(name)" }
    /// `arn:aws:iot:<region>:<account>:thing/<name>`.
    public func thingArn(_ name: String) -> String { "arn:aws:iot:\(region):\(accountId):thing/\(name)" }

    /// A certificate's id: the lowercase hex SHA-256 of its DER.
    public static func certificateId(der: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(der)))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
