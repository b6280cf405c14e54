/// A bounds-checked cursor over one DNS message.
///
/// Every read checks against the end of the buffer (or the end of the current RDATA) before touching it, and
/// names are decompressed with dnspython's rule: each pointer must point strictly before the previous jump
/// target (the first one before the start of the name), so every name is read in at most one pass over the
/// message and loops are impossible.
struct DNSReader {
    let bytes: [UInt8]
    var index: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
    }

    var remaining: Int { bytes.count - index }

    mutating func readUInt8() throws(DNSDecodeError) -> UInt8 {
        guard index < bytes.count else { throw .truncated(offset: index) }
        let value = bytes[index]
        index += 1
        return value
    }

    mutating func readUInt16() throws(DNSDecodeError) -> UInt16 {
        guard bytes.count - index >= 2 else { throw .truncated(offset: index) }
        let value = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        index += 2
        return value
    }

    mutating func readUInt32() throws(DNSDecodeError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw .truncated(offset: index) }
        let value =
            UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
            | UInt32(bytes[index + 3])
        index += 4
        return value
    }

    /// Reads a possibly compressed name.
    ///
    /// The part of the name stored in place (up to the first pointer, inclusive) must end at or before `limit`;
    /// when it would not, the error is ``DNSDecodeError/recordDataLengthMismatch(type:offset:)`` for `rdata`
    /// (a name inside RDATA) or ``DNSDecodeError/truncated(offset:)`` (a name outside RDATA, or any read after
    /// a jump running past the end of the message).
    mutating func readName(limit: Int, rdata: (type: DNSRecordType, start: Int)? = nil) throws(DNSDecodeError)
        -> DNSName
    {
        let start = index
        var storage: [UInt8] = []
        var labelCount = 0
        var position = index
        var jumped = false
        // Pointers must point strictly below this offset: first the start of the name, then each jump target.
        var pointerLimit = start
        // Reads in place are bounded by `limit`; after a jump, by the end of the message.
        var readLimit = limit

        func outOfData(_ at: Int) -> DNSDecodeError {
            if !jumped, let rdata {
                return .recordDataLengthMismatch(type: rdata.type, offset: rdata.start)
            }
            return .truncated(offset: at)
        }

        while true {
            guard position < readLimit else { throw outOfData(position) }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    position += 1
                    if !jumped { index = position }
                    return DNSName(storage: storage)
                }
                guard labelCount < DNSName.maximumLabelCount else { throw .tooManyLabels(offset: start) }
                let count = Int(length)
                guard storage.count + 1 + count + 1 <= DNSName.maximumWireLength else {
                    throw .nameTooLong(offset: start)
                }
                guard readLimit - position > count else { throw outOfData(position) }
                storage.append(length)
                storage.append(contentsOf: bytes[(position + 1)...(position + count)])
                labelCount += 1
                position += 1 + count
            case 0xC0:
                guard readLimit - position >= 2 else { throw outOfData(position) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < bytes.count else { throw .pointerOutOfBounds(offset: position) }
                guard target < pointerLimit else { throw .pointerNotBackward(offset: position) }
                if !jumped {
                    index = position + 2
                    jumped = true
                    readLimit = bytes.count
                }
                pointerLimit = target
                position = target
            default:
                throw .badLabelType(offset: position)
            }
        }
    }

    mutating func readQuestion() throws(DNSDecodeError) -> DNSQuestion {
        let name = try readName(limit: bytes.count)
        let type = DNSRecordType(try readUInt16())
        let qclass = DNSClass(try readUInt16())
        return DNSQuestion(name: name, type: type, class: qclass)
    }

    /// Reads one resource record and checks that the typed RDATA uses exactly RDLENGTH octets.
    mutating func readRecord() throws(DNSDecodeError) -> DNSResourceRecord {
        let name = try readName(limit: bytes.count)
        let type = DNSRecordType(try readUInt16())
        let rclass = DNSClass(try readUInt16())
        let ttl = try readUInt32()
        let rdlength = Int(try readUInt16())
        let start = index
        guard bytes.count - start >= rdlength else { throw .truncated(offset: start) }
        let end = start + rdlength
        let data = try readRecordData(type: type, class: rclass, ttl: ttl, start: start, end: end)
        guard index == end else { throw .recordDataLengthMismatch(type: type, offset: start) }
        return DNSResourceRecord(name: name, class: rclass, ttl: ttl, data: data)
    }

    private mutating func readRecordData(type: DNSRecordType, class rclass: DNSClass, ttl: UInt32, start: Int, end: Int)
        throws(DNSDecodeError) -> DNSRecordData
    {
        let length = end - start
        let mismatch = DNSDecodeError.recordDataLengthMismatch(type: type, offset: start)
        // Dynamic update uses empty RDATA with class ANY or NONE for every type (RFC 2136 §2.5).
        if length == 0 && (rclass == .ANY || rclass == .NONE) && type != .OPT {
            return .unknown(type: type, data: [])
        }
        let rdata = (type: type, start: start)
        switch type {
        case .A where rclass == .IN:
            guard length == 4 else { throw mismatch }
            let address = DNSIPv4Address(bytes[start], bytes[start + 1], bytes[start + 2], bytes[start + 3])
            index = end
            return .a(address)
        case .AAAA where rclass == .IN:
            guard length == 16, let address = DNSIPv6Address(bytes: Array(bytes[start..<end])) else { throw mismatch }
            index = end
            return .aaaa(address)
        case .CNAME, .NS, .PTR:
            let name = try readName(limit: end, rdata: rdata)
            guard index == end else { throw mismatch }
            switch type {
            case .CNAME: return .cname(name)
            case .NS: return .ns(name)
            default: return .ptr(name)
            }
        case .MX:
            guard length >= 2 else { throw mismatch }
            let preference = try readUInt16()
            let exchange = try readName(limit: end, rdata: rdata)
            guard index == end else { throw mismatch }
            return .mx(preference: preference, exchange: exchange)
        case .SOA:
            let mname = try readName(limit: end, rdata: rdata)
            let rname = try readName(limit: end, rdata: rdata)
            guard end - index == 20 else { throw mismatch }
            let soa = DNSSOAData(
                mname: mname, rname: rname, serial: try readUInt32(), refresh: try readUInt32(),
                retry: try readUInt32(), expire: try readUInt32(), minimum: try readUInt32())
            return .soa(soa)
        case .TXT:
            var strings: [[UInt8]] = []
            while index < end {
                let count = Int(bytes[index])
                guard end - index > count else { throw mismatch }
                strings.append(Array(bytes[(index + 1)..<(index + 1 + count)]))
                index += 1 + count
            }
            return .txt(strings)
        case .OPT:
            var options: [DNSEDNSOption] = []
            while index < end {
                guard end - index >= 4 else { throw .badOPT(offset: index) }
                let optionStart = index
                let code = try readUInt16()
                let optionLength = Int(try readUInt16())
                guard end - index >= optionLength else { throw .badOPT(offset: optionStart) }
                options.append(DNSEDNSOption(code: code, data: Array(bytes[index..<(index + optionLength)])))
                index += optionLength
            }
            return .opt(DNSOPTRecord(classField: rclass.rawValue, ttlField: ttl, options: options))
        default:
            index = end
            return .unknown(type: type, data: Array(bytes[start..<end]))
        }
    }
}
