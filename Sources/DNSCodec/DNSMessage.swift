/// A DNS message (RFC 1035 §4.1): header, question, answer, authority and additional sections.
///
/// The section counts are not stored: ``encode()`` writes the array sizes, and ``decode(_:)`` reads exactly as
/// many entries as the header counts (running out of data is an error).
public struct DNSMessage: Sendable, Hashable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// A standard query for one name and type in class IN, with an EDNS(0) OPT record advertising
    /// `ednsPayloadSize` when one is given.
    public static func query(
        id: UInt16, name: DNSName, type: DNSRecordType, recursionDesired: Bool = true,
        ednsPayloadSize: UInt16? = nil
    ) -> DNSMessage {
        var message = DNSMessage(
            header: DNSHeader(id: id, recursionDesired: recursionDesired),
            questions: [DNSQuestion(name: name, type: type, class: .IN)])
        if let ednsPayloadSize {
            message.additionals.append(DNSResourceRecord(opt: DNSOPTRecord(udpPayloadSize: ednsPayloadSize)))
        }
        return message
    }

    /// The OPT record of the additional section, if any.
    public var edns: DNSOPTRecord? {
        for record in additionals {
            if case .opt(let opt) = record.data { return opt }
        }
        return nil
    }

    /// The full response code: the header's 4 bits extended by the OPT record's upper 8 bits.
    public var responseCode: DNSResponseCode {
        let low = header.responseCode.rawValue & 0x0F
        guard let edns else { return DNSResponseCode(rawValue: low) }
        return DNSResponseCode(rawValue: UInt16(edns.extendedResponseCode) << 4 | low)
    }

    // MARK: Decoding

    /// Decodes one complete message, strictly (see ``DNSDecodeError``).
    ///
    /// Trailing bytes after the last counted record are an error (``DNSDecodeError/trailingBytes(offset:)``).
    public static func decode(_ bytes: [UInt8]) throws(DNSDecodeError) -> DNSMessage {
        try decode(bytes, acceptingTruncation: false)
    }

    /// Decodes a message; with `acceptingTruncation` and the TC bit set, a message that runs out of data in the
    /// middle of a section is accepted with the entries that were complete (RFC 1035 allows a server to cut a
    /// truncated reply anywhere). Every other error still throws.
    public static func decode(_ bytes: [UInt8], acceptingTruncation: Bool) throws(DNSDecodeError) -> DNSMessage {
        var reader = DNSReader(bytes: bytes)
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let questionCount = Int(try reader.readUInt16())
        let answerCount = Int(try reader.readUInt16())
        let authorityCount = Int(try reader.readUInt16())
        let additionalCount = Int(try reader.readUInt16())
        var message = DNSMessage(header: DNSHeader(id: id, flags: flags))
        let tolerant = acceptingTruncation && message.header.isTruncated
        do throws(DNSDecodeError) {
            for _ in 0..<questionCount {
                message.questions.append(try reader.readQuestion())
            }
            for _ in 0..<answerCount {
                let start = reader.index
                let record = try reader.readRecord()
                if record.type == .OPT { throw .badOPT(offset: start) }
                message.answers.append(record)
            }
            for _ in 0..<authorityCount {
                let start = reader.index
                let record = try reader.readRecord()
                if record.type == .OPT { throw .badOPT(offset: start) }
                message.authorities.append(record)
            }
            var sawOPT = false
            for _ in 0..<additionalCount {
                let start = reader.index
                let record = try reader.readRecord()
                if record.type == .OPT {
                    if sawOPT || !record.name.isRoot { throw .badOPT(offset: start) }
                    sawOPT = true
                }
                message.additionals.append(record)
            }
        } catch {
            if tolerant, case .truncated = error { return message }
            throw error
        }
        if reader.index < bytes.count { throw .trailingBytes(offset: reader.index) }
        return message
    }

    /// Reads only the id and flags of what may be a message (at least 4 bytes), e.g. to tell whether an
    /// undecodable datagram claims to answer a given query.
    public static func peekHeader(_ bytes: [UInt8]) -> DNSHeader? {
        guard bytes.count >= 4 else { return nil }
        return DNSHeader(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }

    // MARK: Encoding

    /// Encodes the message with name compression.
    ///
    /// Owner names and the names inside CNAME, NS, PTR, MX and SOA RDATA are compressed (RFC 3597 §4: never
    /// inside other types). A TXT string longer than 255 octets is split into 255-octet strings. A section with
    /// more than 65,535 entries or RDATA over 65,535 octets cannot be encoded and traps: neither can come from
    /// ``decode(_:)``.
    public func encode() -> [UInt8] {
        encode(compression: true)
    }

    /// Encodes the message, with or without name compression.
    public func encode(compression: Bool) -> [UInt8] {
        var writer = DNSWriter(compression: compression)
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        for count in [questions.count, answers.count, authorities.count, additionals.count] {
            precondition(count <= 0xFFFF, "a DNS message section holds at most 65535 entries")
            writer.writeUInt16(UInt16(count))
        }
        for question in questions {
            writer.writeName(question.name, compress: true)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.class.rawValue)
        }
        for record in answers { writer.writeRecord(record) }
        for record in authorities { writer.writeRecord(record) }
        for record in additionals { writer.writeRecord(record) }
        return writer.bytes
    }
}

/// Appends a message to a byte array, remembering where names were written for compression.
struct DNSWriter {
    var bytes: [UInt8] = []
    let compression: Bool
    /// Offsets (below 0x4000, so a pointer can reach them) of names already written, by name suffix.
    var offsets: [DNSName: Int] = [:]

    init(compression: Bool) {
        self.compression = compression
        bytes.reserveCapacity(512)
    }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeName(_ name: DNSName, compress: Bool) {
        let storage = name.storage
        guard compression && compress else {
            bytes.append(contentsOf: storage)
            bytes.append(0)
            return
        }
        let start = bytes.count
        var position = 0
        while position < storage.count {
            let suffix = DNSName(storage: Array(storage[position...]))
            if let target = offsets[suffix] {
                bytes.append(contentsOf: storage[0..<position])
                writeUInt16(0xC000 | UInt16(target))
                remember(storage, upTo: position, writtenAt: start)
                return
            }
            position += 1 + Int(storage[position])
        }
        bytes.append(contentsOf: storage)
        bytes.append(0)
        remember(storage, upTo: storage.count, writtenAt: start)
    }

    /// Records the offsets of the suffixes of `storage` that start before `end` and were written in place.
    private mutating func remember(_ storage: [UInt8], upTo end: Int, writtenAt start: Int) {
        var position = 0
        while position < end {
            let offset = start + position
            guard offset < 0x4000 else { return }
            let suffix = DNSName(storage: Array(storage[position...]))
            if offsets[suffix] == nil { offsets[suffix] = offset }
            position += 1 + Int(storage[position])
        }
    }

    mutating func writeRecord(_ record: DNSResourceRecord) {
        writeName(record.name, compress: true)
        writeUInt16(record.type.rawValue)
        if case .opt(let opt) = record.data {
            writeUInt16(opt.udpPayloadSize)
            writeUInt32(opt.ttlField)
        } else {
            writeUInt16(record.class.rawValue)
            writeUInt32(record.ttl)
        }
        let lengthOffset = bytes.count
        writeUInt16(0)
        let start = bytes.count
        switch record.data {
        case .a(let address):
            writeUInt32(address.rawValue)
        case .aaaa(let address):
            for group in address.groups { writeUInt16(group) }
        case .cname(let name), .ns(let name), .ptr(let name):
            writeName(name, compress: true)
        case .mx(let preference, let exchange):
            writeUInt16(preference)
            writeName(exchange, compress: true)
        case .soa(let soa):
            writeName(soa.mname, compress: true)
            writeName(soa.rname, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeUInt32(value) }
        case .txt(let strings):
            for string in strings {
                if string.isEmpty {
                    bytes.append(0)
                    continue
                }
                var index = 0
                while index < string.count {
                    let chunk = string[index..<min(index + 255, string.count)]
                    bytes.append(UInt8(chunk.count))
                    bytes.append(contentsOf: chunk)
                    index += chunk.count
                }
            }
        case .opt(let opt):
            for option in opt.options {
                precondition(option.data.count <= 0xFFFF, "an EDNS option holds at most 65535 octets")
                writeUInt16(option.code)
                writeUInt16(UInt16(option.data.count))
                bytes.append(contentsOf: option.data)
            }
        case .unknown(_, let data):
            bytes.append(contentsOf: data)
        }
        let length = bytes.count - start
        precondition(length <= 0xFFFF, "RDATA holds at most 65535 octets")
        bytes[lengthOffset] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[lengthOffset + 1] = UInt8(truncatingIfNeeded: length)
    }
}
