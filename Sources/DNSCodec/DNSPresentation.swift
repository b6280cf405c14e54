// Presentation (zone-file / dig) text for records and messages, for diagnostics.

extension DNSRecordData: CustomStringConvertible {
    /// The RDATA in presentation form: `192.0.2.1`, `2001:db8::1`, `target.example.`, `"text" "more"`,
    /// `10 mx.example.`, the SOA fields, or `\# <length> <hex>` (RFC 3597) for other types.
    public var description: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .cname(let name), .ns(let name), .ptr(let name): return name.description
        case .mx(let preference, let exchange): return "\(preference) \(exchange)"
        case .soa(let soa):
            return "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .txt(let strings):
            return strings.map(quotedCharacterString).joined(separator: " ")
        case .opt(let opt):
            var text = "EDNS version \(opt.version); udp \(opt.udpPayloadSize)"
            if opt.dnssecOK { text += "; flags do" }
            for option in opt.options { text += "; option \(option.code): \(option.data.count) bytes" }
            return text
        case .unknown(_, let data):
            return "\\# \(data.count)" + (data.isEmpty ? "" : " " + hexString(data))
        }
    }
}

extension DNSResourceRecord: CustomStringConvertible {
    /// `name TTL CLASS TYPE RDATA`, as in a zone file or dig's output (OPT: dig's pseudo-section style).
    public var description: String {
        if case .opt = data { return "; OPT \(data)" }
        return "\(name) \(ttl) \(self.class) \(type) \(data)"
    }
}

extension DNSMessage: CustomStringConvertible {
    /// A dig-like multi-line rendering of the whole message.
    public var description: String {
        var lines: [String] = []
        let flags = header.flagNames.joined(separator: " ")
        lines.append(";; opcode: \(header.opcode), status: \(responseCode), id: \(header.id)")
        lines.append(
            ";; flags: \(flags); QUERY: \(questions.count), ANSWER: \(answers.count), "
                + "AUTHORITY: \(authorities.count), ADDITIONAL: \(additionals.count)")
        if let edns {
            lines.append(
                ";; EDNS: version: \(edns.version), flags:\(edns.dnssecOK ? " do" : ""); udp: \(edns.udpPayloadSize)")
        }
        if !questions.isEmpty {
            lines.append(";; QUESTION SECTION:")
            for question in questions { lines.append(";\(question)") }
        }
        for (title, records) in [("ANSWER", answers), ("AUTHORITY", authorities), ("ADDITIONAL", additionals)] {
            let shown = records.filter { $0.type != .OPT }
            if shown.isEmpty { continue }
            lines.append(";; \(title) SECTION:")
            for record in shown { lines.append(record.description) }
        }
        return lines.joined(separator: "\n")
    }
}

/// A character-string in double quotes, escaping `"` and `\` and writing non-printable octets as `\DDD`.
func quotedCharacterString(_ bytes: [UInt8]) -> String {
    var text = "\""
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            text.append("\\")
            text.unicodeScalars.append(Unicode.Scalar(byte))
        case 0x20...0x7E:
            text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            text.append("\\")
            for digit in [byte / 100, (byte / 10) % 10, byte % 10] {
                text.unicodeScalars.append(Unicode.Scalar(48 + digit))
            }
        }
    }
    text.append("\"")
    return text
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits: [Unicode.Scalar] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    var text = ""
    text.unicodeScalars.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.unicodeScalars.append(digits[Int(byte >> 4)])
        text.unicodeScalars.append(digits[Int(byte & 0x0F)])
    }
    return text
}
