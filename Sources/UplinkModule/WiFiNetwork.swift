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

    /// Reads a networks file; a bad entry is a ``NetworksFileError`` naming its line.
    public static func load(path: String) throws -> [WiFiNetwork] {
        try parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Reads the text of a networks file (no I/O; what `load(path:)` and the fuzzer use).
    public static func decode(_ data: Data) throws -> [WiFiNetwork] {
        try parse(Array(data))
    }

    /// Parses the contents of a networks file and checks every entry: SSIDs and BSSIDs reach the AT stream
    /// (SCAN lines, WINDs), so an SSID with a control byte (a CR, a LF: a forged reply line) or a BSSID that
    /// is not six hex octets is refused, as are a channel outside 1-14 and an RSSI outside -127...0.
    public static func parse(_ bytes: [UInt8]) throws(NetworksFileError) -> [WiFiNetwork] {
        let networks: [WiFiNetwork]
        do {
            networks = try JSONDecoder().decode([WiFiNetwork].self, from: Data(bytes))
        } catch let error as DecodingError {
            let context: DecodingError.Context?
            switch error {
            case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
                context = c
            @unknown default:
                context = nil
            }
            let entry = context?.codingPath.first?.intValue
            let field = context?.codingPath.dropFirst().first.map { "\($0.stringValue): " } ?? ""
            throw NetworksFileError(
                line: entry.flatMap { NetworksFileError.line(ofEntry: $0, in: bytes) }, entry: entry.map { $0 + 1 },
                problem: field + (context?.debugDescription ?? "\(error)"))
        } catch {
            throw NetworksFileError(line: nil, entry: nil, problem: "\(error)")
        }
        for (index, network) in networks.enumerated() {
            if let problem = network.problem {
                throw NetworksFileError(
                    line: NetworksFileError.line(ofEntry: index, in: bytes), entry: index + 1, problem: problem)
            }
        }
        return networks
    }

    /// What makes this entry unfit for the AT stream, or `nil`.
    var problem: String? {
        if let byte = ssid.utf8.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "ssid: the control byte 0x\(ConfigVariable.hexByte(byte)) would break the AT stream"
        }
        let octets = bssid.split(separator: ":", omittingEmptySubsequences: false)
        let isHex = { (byte: UInt8) in
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
        guard octets.count == 6, octets.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy(isHex) }) else {
            return "bssid: '\(EscapedBytes.text(Array(bssid.utf8)))' is not six hex octets (02:55:a0:b1:c2:d3)"
        }
        guard (1...14).contains(channel) else { return "channel: \(channel) is not a 2.4 GHz channel (1 to 14)" }
        guard (-127...0).contains(rssi) else { return "rssi: \(rssi) dBm is not between -127 and 0" }
        return nil
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

/// A `--networks` file that cannot be used: the line and entry (from 1) where it went wrong, and why.
public struct NetworksFileError: Error, Equatable, CustomStringConvertible {
    public var line: Int?
    public var entry: Int?
    public var problem: String

    public var description: String {
        var place: [String] = []
        if let line { place.append("line \(line)") }
        if let entry { place.append("entry \(entry)") }
        return place.isEmpty ? problem : place.joined(separator: ", ") + ": " + problem
    }

    /// The line (from 1) where entry `index` (from 0) of the top-level JSON array opens.
    static func line(ofEntry index: Int, in bytes: [UInt8]) -> Int? {
        var line = 1
        var depth = 0
        var entries = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if byte == 0x0A { line += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 1 {
                    if entries == index { return line }
                    entries += 1
                }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }
}
