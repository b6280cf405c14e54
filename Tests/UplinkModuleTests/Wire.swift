import UplinkModule

/// The exact bytes each dialect puts on the wire, written out by hand for the transcript tests
/// (independent of the module's own dialect tables, so a mistake there shows up here).
struct Wire: Sendable, CustomStringConvertible {
    var profile: ModuleProfile
    var description: String { profile.name }

    static let spwf01 = Wire(profile: .spwf01)
    static let spwf04 = Wire(profile: .spwf04)
    static let both = [spwf01, spwf04]

    var isSPWF01: Bool { profile.dialect.family == .spwf01 }

    var ok: String { isSPWF01 ? "\r\nOK\r\n" : "AT-S.OK\r\n" }

    func error(_ code: Int, _ text: String) -> String {
        isSPWF01 ? "\r\nERROR: \(text)\r\n" : "AT-S.ERROR:\(code):\(text)\r\n"
    }

    func variable(_ name: String, _ value: String) -> String {
        isSPWF01 ? "#  \(name) = \(value)\r\n" : "AT-S.Var:\(name)=\(value)\r\n"
    }

    func wind(_ number: Int, _ text: String) -> String {
        isSPWF01 ? "\r\n+WIND:\(number):\(text)\r\n" : "+WIND:\(number):\(text)\r\n"
    }

    var boot: String {
        wind(1, "Poweron (\(profile.buildID))") + wind(13, profile.copyright) + wind(0, "Console active")
            + wind(32, "WiFi Hardware Started")
    }

    var echoVariable: String { isSPWF01 ? "localecho1" : "console_echo" }
    var resetCommand: String { isSPWF01 ? "AT+CFUN=1" : "AT+S.RESET" }
    var windMaskMedium: String { isSPWF01 ? "wind_off_medium" : "console_wind_off_medium" }

    func socketOn(_ host: String, _ port: Int, _ type: String) -> String {
        isSPWF01 ? "AT+S.SOCKON=\(host),\(port),\(type),ind\r" : "AT+S.SOCKON=\(host),\(port),NULL,\(type)\r"
    }

    func opened(_ id: Int, _ address: String = "127.0.0.1") -> String {
        (isSPWF01 ? "\r\n ID: 0\(id)\r\n" : "AT-S.On:\(address):\(id)\r\n") + ok
    }

    func pending(_ id: Int, received: Int, unread: Int) -> String {
        isSPWF01 ? wind(55, "Pending Data:\(id):\(unread)") : wind(55, "Pending Data::\(id):\(received):\(unread)")
    }

    func closed(_ id: Int) -> String {
        isSPWF01 ? wind(58, "Socket Closed:\(id)") : wind(58, "Socket Closed:\(id):0")
    }

    func query(_ count: Int) -> String {
        (isSPWF01 ? "\r\n DATALEN: \(count)\r\n" : "AT-S.Query:\(count)\r\n") + ok
    }

    func reading(_ data: String, pending: Int) -> String {
        (isSPWF01 ? "" : "AT-S.Reading:\(data.utf8.count):\(pending)\r\n") + data + ok
    }

    func wifiUp(_ address: String) -> String {
        wind(24, isSPWF01 ? "WiFi Up:\(address)" : "WiFi Up:0:\(address)")
    }
}
