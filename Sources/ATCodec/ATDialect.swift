/// The bytes one firmware family puts on the wire: result lines, information lines and WINDs.
///
/// Everything that differs between SPWF01 and SPWF04 output is here, as data, so command handlers
/// never branch on the dialect.
public struct ATDialect: Equatable, Sendable {
    /// Which family this is.
    public enum Family: String, Equatable, Sendable {
        case spwf01
        case spwf04
    }

    /// The family.
    public var family: Family

    /// The SPWF01 dialect (FW 3.x).
    public static let spwf01 = ATDialect(family: .spwf01)
    /// The SPWF04 dialect (FW 1.x).
    public static let spwf04 = ATDialect(family: .spwf04)

    /// Creates the dialect of a family.
    public init(family: Family) {
        self.family = family
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// The success line. SPWF04's `console_verbose` ≥ 1 adds `:<free heap>:<wifi state>`.
    public func ok(verboseFields: (freeHeap: Int, wifiState: Int)? = nil) -> [UInt8] {
        switch family {
        case .spwf01:
            return Array("\r\nOK\r\n".utf8)
        case .spwf04:
            if let fields = verboseFields {
                return Array("AT-S.OK:\(fields.freeHeap):\(fields.wifiState)\r\n".utf8)
            }
            return Array("AT-S.OK\r\n".utf8)
        }
    }

    /// The error line. `verbosity` is SPWF04's `console_errs`: 0 bare, 1 code, 2 code and text.
    public func error(_ error: ATError, verbosity: Int = 2) -> [UInt8] {
        switch family {
        case .spwf01:
            return Array("\r\nERROR: \(error.text)\r\n".utf8)
        case .spwf04:
            switch verbosity {
            case ...0: return Array("AT-S.ERROR\r\n".utf8)
            case 1: return Array("AT-S.ERROR:\(error.code)\r\n".utf8)
            default: return Array("AT-S.ERROR:\(error.code):\(error.text)\r\n".utf8)
            }
        }
    }

    /// A variable as GCFG, STS and PEERS print it: `#  name = value` / `AT-S.Var:name=value`.
    public func variable(_ name: String, _ value: String) -> [UInt8] {
        switch family {
        case .spwf01: return Array("#  \(name) = \(value)\r\n".utf8)
        case .spwf04: return Array("AT-S.Var:\(name)=\(value)\r\n".utf8)
        }
    }

    /// A free-form information line (help text, ping replies, headings).
    public func information(_ text: String) -> [UInt8] {
        switch family {
        case .spwf01: return Array("\(text)\r\n".utf8)
        case .spwf04: return Array("AT-S.\(text)\r\n".utf8)
        }
    }

    /// The heading line that starts a dump (`AT&V`, `AT+S.STS`); SPWF04 prints none.
    public func dumpHeading(_ text: String) -> [UInt8] {
        switch family {
        case .spwf01: return Array("# \(text)\r\n".utf8)
        case .spwf04: return []
        }
    }

    /// SOCKON's result: `\r\n ID: 00\r\n` / `AT-S.On:<ip>:<id>`.
    public func socketOpened(id: Int, address: String) -> [UInt8] {
        switch family {
        case .spwf01: return Array("\r\n ID: \(id < 10 ? "0" : "")\(id)\r\n".utf8)
        case .spwf04: return Array("AT-S.On:\(address):\(id)\r\n".utf8)
        }
    }

    /// SOCKQ's result: `\r\n DATALEN: n\r\n` / `AT-S.Query:n`.
    public func pendingLength(_ count: Int) -> [UInt8] {
        switch family {
        case .spwf01: return Array("\r\n DATALEN: \(count)\r\n".utf8)
        case .spwf04: return Array("AT-S.Query:\(count)\r\n".utf8)
        }
    }

    /// What precedes SOCKR's raw bytes: nothing on SPWF01, `AT-S.Reading:<n>:<pending>` on SPWF04.
    public func readingHeader(count: Int, pending: Int) -> [UInt8] {
        switch family {
        case .spwf01: return []
        case .spwf04: return Array("AT-S.Reading:\(count):\(pending)\r\n".utf8)
        }
    }

    /// A WIND line: SPWF01 frames it in CR LF on both sides, SPWF04 only ends it with CR LF.
    public func wind(_ number: Int, _ text: String) -> [UInt8] {
        switch family {
        case .spwf01: return Array("\r\n+WIND:\(number):\(text)\r\n".utf8)
        case .spwf04: return Array("+WIND:\(number):\(text)\r\n".utf8)
        }
    }

    /// The text of `+WIND:24` (Wi-Fi up) for an IPv4 address.
    public func wifiUpText(address: String) -> String {
        switch family {
        case .spwf01: return "WiFi Up:\(address)"
        case .spwf04: return "WiFi Up:0:\(address)"
        }
    }

    /// The text of `+WIND:55` (pending data): `received` arrived since the last one, `unread` in all.
    public func pendingDataText(socket: Int, received: Int, unread: Int) -> String {
        switch family {
        case .spwf01: return "Pending Data:\(socket):\(unread)"
        case .spwf04: return "Pending Data::\(socket):\(received):\(unread)"
        }
    }

    /// The text of `+WIND:58` (the peer closed a client socket).
    public func socketClosedText(socket: Int) -> String {
        switch family {
        case .spwf01: return "Socket Closed:\(socket)"
        case .spwf04: return "Socket Closed:\(socket):0"
        }
    }

    /// The command that resets the module in this dialect.
    public var resetCommand: String {
        switch family {
        case .spwf01: return "AT+CFUN"
        case .spwf04: return "AT+S.RESET"
        }
    }
}
