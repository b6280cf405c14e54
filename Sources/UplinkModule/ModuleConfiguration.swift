import ATCodec

/// The module's configuration variables: factory values, what SCFG changed, and what `AT&W` saves.
public struct ModuleConfiguration: Equatable, Sendable {
    private var values: [String: String]
    private let identity: [String: String]

    /// The factory configuration of a profile, with the module's read-only identity.
    public init(profile: ModuleProfile, serial: String, macAddress: String) {
        identity = [
            "nv_model": profile.model, "nv_serial": serial, "nv_wifi_macaddr": macAddress, "nv_manuf": "ST",
        ]
        values = [:]
        for variable in ConfigVariable.catalog {
            values[variable.key] = identity[variable.key] ?? variable.factoryValue
        }
    }

    /// The variable called `name` in a dialect family (case-insensitive), if it exists there.
    public static func variable(named name: String, in family: ATDialect.Family) -> ConfigVariable? {
        let lower = name.lowercased()
        return ConfigVariable.catalog.first { $0.name(in: family) == lower }
    }

    /// The value stored under a key (the SPWF01 name, or the SPWF04 name for SPWF04-only variables).
    public subscript(key: String) -> String {
        values[key] ?? ""
    }

    /// An integer variable's value (0 when unset or not a number).
    public func integer(_ key: String) -> Int {
        Int(self[key]) ?? 0
    }

    /// A 32-bit mask variable's value.
    public func mask(_ key: String) -> UInt32 {
        let text = self[key].lowercased()
        return text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) ?? 0 : UInt32(text) ?? 0
    }

    /// Sets a variable by its dialect name after checking type and range.
    public mutating func set(_ name: String, to text: String, in family: ATDialect.Family) throws(ATError) {
        guard let variable = Self.variable(named: name, in: family) else { throw .unknownVariable }
        guard !variable.isReadOnly else { throw .readOnlyVariable }
        guard let canonical = variable.canonicalValue(text) else { throw .invalidValue }
        values[variable.key] = canonical
    }

    /// Sets a variable by key without the read-only check (used by SSIDTXT and restores).
    mutating func store(_ key: String, _ value: String) {
        values[key] = value
    }

    /// The SSID as bytes, from `wifi_ssid` and `wifi_ssid_len`.
    public var ssid: [UInt8] {
        let bytes = self["wifi_ssid"].split(separator: ":").compactMap { UInt8($0, radix: 16) }
        return Array(bytes.prefix(integer("wifi_ssid_len")))
    }

    /// Sets `wifi_ssid` and `wifi_ssid_len` from text, as `AT+S.SSIDTXT` does.
    mutating func setSSID(_ text: String) {
        let bytes = Array(text.utf8)
        values["wifi_ssid"] = bytes.map(ConfigVariable.hexByte).joined(separator: ":")
        values["wifi_ssid_len"] = String(bytes.count)
    }

    /// The saved form: a version line, then `key=value` lines.
    public func serialized() -> [UInt8] {
        var text = "uplink-config 1\n"
        for variable in ConfigVariable.catalog where !variable.isReadOnly {
            text += "\(variable.key)=\(self[variable.key])\n"
        }
        return Array(text.utf8)
    }

    /// Restores saved values over this configuration; unknown keys and invalid values are ignored.
    public mutating func restore(from saved: [UInt8]) throws(ConfigurationFileError) {
        guard let text = String(validating: saved, as: UTF8.self) else { throw .notUTF8 }
        // Lines split on the newline byte: as `Character`s, `\r\n` is one and would not split.
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: true)[...]
        guard let header = lines.first,
            header.elementsEqual("uplink-config 1".utf8) || header.elementsEqual("uplink-config 1\r".utf8)
        else { throw .badHeader }
        lines = lines.dropFirst()
        for var line in lines {
            if line.last == 0x0D { line = line.dropLast() }  // a file saved with CRLF line ends
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: line[..<equals], as: UTF8.self)
            let value = String(decoding: line[line.index(after: equals)...], as: UTF8.self)
            guard let variable = ConfigVariable.catalog.first(where: { $0.key == key }), !variable.isReadOnly,
                let canonical = variable.canonicalValue(value)
            else { continue }
            values[key] = canonical
        }
    }
}

/// Why a saved configuration could not be read.
public enum ConfigurationFileError: Error, Equatable, Sendable {
    case notUTF8
    case badHeader
}
