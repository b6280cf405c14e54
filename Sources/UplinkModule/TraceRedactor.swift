/// Hides the values of the Wi-Fi secrets in a stream of AT text, line by line, for the trace.
///
/// A value is whatever follows a secret variable's name (`wifi_wpa_psk_text`, `wifi_wpa_psk_raw`,
/// `wifi_wep_keys[n]`; any name starting `wifi_wpa_psk` or `wifi_wep_key`, in any case) and its separators
/// (`,` in `AT+S.SCFG=name,value`, ` = ` in GCFG and AT&V replies) up to the end of the line. The value is
/// replaced by `<redacted>`. The stream may arrive in pieces (a host typing slowly): the state carries over.
struct TraceRedactor {
    /// The names whose values are secret, lower case.
    static let secretPrefixes: [[UInt8]] = [Array("wifi_wpa_psk".utf8), Array("wifi_wep_key".utf8)]
    static let marker = Array("<redacted>".utf8)

    private enum State {
        case text
        case name
        case separators
        case hiding
    }

    private var state = State.text
    /// The end of the current line (lower case), long enough to match a prefix.
    private var tail: [UInt8] = []

    /// The bytes as they may be traced.
    mutating func redact(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == 0x0D || byte == 0x0A {
                state = .text
                tail.removeAll(keepingCapacity: true)
                kept.append(byte)
                continue
            }
            switch state {
            case .hiding:
                continue
            case .separators where !Self.isSeparator(byte):
                state = .hiding
                kept += Self.marker
                continue
            case .separators:
                break
            case .name:
                if Self.isSeparator(byte) {
                    state = .separators
                } else if !Self.isNameByte(byte) {
                    state = .text
                }
            case .text:
                tail.append(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0))
                if tail.count > 16 { tail.removeFirst(tail.count - 16) }
                if Self.secretPrefixes.contains(where: { tail.ends(with: $0) }) { state = .name }
            }
            kept.append(byte)
        }
        return kept
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: " ")
            || byte == UInt8(ascii: ":")
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
