/// Who the front says it is, and the control plane's bounds.
public struct IoTControlPlaneSettings: Sendable {
    /// The account id in every ARN (`arn:aws:iot:<region>:<account>:cert/<id>`).
    public var accountId: String
    /// The region in every ARN and endpoint address.
    public var region: String
    /// The largest request body taken; a larger one is answered 413 and never read to the end.
    public var maximumBodySize: Int
    /// Access key id → secret: when not empty, signatures are verified and other keys refused.
    public var credentials: [String: String]

    /// Account `123456789012`, region `us-east-1`, 1 MiB bodies, signatures checked for form only.
    public init(
        accountId: String = "123456789012", region: String = "us-east-1", maximumBodySize: Int = 1 << 20,
        credentials: [String: String] = [:]
    ) {
        self.accountId = accountId
        self.region = region
        self.maximumBodySize = maximumBodySize
        self.credentials = credentials
    }

    func arn(_ resource: String) -> String { "arn:aws:iot:\(region):\(accountId):\(resource)" }
}
