/// One framed piece of SPWF01 output, `\r\n<text>\r\n`: a result, a WIND, or an information line.
enum ModuleItem: Equatable {
    case ok
    case error(String)
    case wind(number: Int, text: String)
    /// Anything else, such as ` ID: 00` or ` DATALEN: 12`.
    case information(String)

    init(text: String) {
        if text == "OK" {
            self = .ok
        } else if text.hasPrefix("ERROR") {
            let rest = text.dropFirst("ERROR".count).drop { $0 == ":" || $0 == " " }
            self = .error(String(rest))
        } else if text.hasPrefix("+WIND:") {
            let body = text.dropFirst("+WIND:".count)
            let digits = body.prefix { $0.isNumber }
            if let number = Int(digits), body.dropFirst(digits.count).first == ":" {
                self = .wind(number: number, text: String(body.dropFirst(digits.count + 1)))
            } else {
                self = .information(text)
            }
        } else {
            self = .information(text)
        }
    }
}
