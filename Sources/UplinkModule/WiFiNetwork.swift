import Foundation

/// One access point the simulated radio can see, as listed in a `--networks` file.
///
/// The file is JSON: an array of objects with `ssid` (required), `passphrase`, `security`
/// (`open`, `WEP`, `WPA`, `WPA2`, `WPA WPA2`, in any case; default `WPA2`), `channel`, `rssi` and `bssid`.
public struct WiFiNetwork: Equatable, Sendable, Codable {
    /// The security an access point uses.
    public enum Security: String, Equatable, Sendable, Codable {
        case open
        case wep = "WEP"
        case wpa = "WPA"
        case wpa2 = "WPA2"
        /// WPA and WPA2 both offered (mixed mode).
        case wpaWPA2 = "WPA WPA2"

        /// Reads the name in any case (`wpa2`, `Wpa Wpa2`, `OPEN`), with runs of spaces taken as one.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            let words = text.split(separator: " ").joined(separator: " ").uppercased()
            guard let security = Security.allNames.first(where: { $0.rawValue.uppercased() == words }) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "unknown security '\(text)'; use open, WEP, WPA, WPA2 or WPA WPA2 (any case)")
            }
            self = security
        }

        static let allNames: [Security] = [.open, .wep, .wpa, .wpa2, .wpaWPA2]

        /// The `wifi_priv_mode` value a station needs for this security.
        public var privacyMode: Int {
            switch self {
            case .open: return 0
            case .wep: return 1
            case .wpa, .wpa2, .wpaWPA2: return 2
            }
        }
    }

    public var ssid: String
    public var passphrase: String
    public var security: Security
    public var channel: Int
    public var rssi: Int
    public var bssid: String

    /// Creates a network description.
    public init(
        ssid: String, passphrase: String = "", security: Security = .wpa2, channel: Int = 6, rssi: Int = -48,
        bssid: String? = nil
    ) {
        self.ssid = ssid
        self.passphrase = passphrase
        self.security = security
        self.channel = channel
        self.rssi = rssi
        self.bssid = bssid ?? WiFiNetwork.syntheticBSSID(for: ssid)
    }

    enum CodingKeys: String, CodingKey {
        case ssid, passphrase, security, channel, rssi, bssid
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let ssid = try container.decode(String.self, forKey: .ssid)
        guard (1...32).contains(ssid.utf8.count) else {
            throw DecodingError.dataCorruptedError(
                forKey: .ssid, in: container, debugDescription: "an SSID has 1 to 32 bytes")
        }
        self.init(
            ssid: ssid,
            passphrase: try container.decodeIfPresent(String.self, forKey: .passphrase) ?? "",
            security: try container.decodeIfPresent(Security.self, forKey: .security) ?? .wpa2,
            channel: try container.decodeIfPresent(Int.self, forKey: .channel) ?? 6,
            rssi: try container.decodeIfPresent(Int.self, forKey: .rssi) ?? -48,
            bssid: try container.decodeIfPresent(String.self, forKey: .bssid))
    }

    /// Reads a networks file.
    public static func load(path: String) throws -> [WiFiNetwork] {
        try decode(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Reads the text of a networks file (no I/O; what `load(path:)` and the fuzzer use).
    public static func decode(_ data: Data) throws -> [WiFiNetwork] {
        try JSONDecoder().decode([WiFiNetwork].self, from: data)
    }

    /// A stable, locally administered BSSID derived from the SSID.
    public static func syntheticBSSID(for ssid: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in ssid.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let bytes: [UInt8] = [
            0x02, 0x55, UInt8(hash >> 24), UInt8(hash >> 16 & 0xFF), UInt8(hash >> 8 & 0xFF),
            UInt8(hash & 0xFF),
        ]
        return bytes.map(ConfigVariable.hexByte).joined(separator: ":")
    }
}
