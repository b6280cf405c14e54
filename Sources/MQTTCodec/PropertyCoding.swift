extension MQTTProperties {
    /// Decodes a property length and property list at the reader position, enforcing the MQTT 5 rules for
    /// `context`: known identifier, allowed here, not duplicated unless repeatable, value in range.
    static func decode(from reader: inout ByteReader, context: MQTTPropertyContext) throws(MQTTDecodeError)
        -> MQTTProperties
    {
        let lengthOffset = reader.offset
        let length = try reader.readVariableByteInteger()
        guard length <= reader.remaining else {
            throw .propertyLengthExceedsPacket(packetType: reader.packetType, offset: lengthOffset)
        }
        if length == 0 { return MQTTProperties() }
        let listEnd = reader.index + length
        var list = reader
        list.end = listEnd
        var elements: [MQTTProperty] = []
        var seen: UInt64 = 0
        while !list.isAtEnd {
            let identifierOffset = list.offset
            let raw = try list.readUInt8()
            guard let identifier = MQTTPropertyIdentifier(rawValue: raw) else {
                throw .invalidPropertyIdentifier(
                    packetType: reader.packetType, identifier: raw, offset: identifierOffset)
            }
            guard identifier.isAllowed(in: context) else { throw .propertyNotAllowed(identifier, context: context) }
            let bit: UInt64 = 1 << UInt64(raw)
            if seen & bit != 0 && !identifier.isRepeatable(in: context) {
                throw .duplicateProperty(identifier, context: context)
            }
            seen |= bit
            let property: MQTTProperty
            do {
                property = try readValue(identifier, from: &list, context: context)
            } catch {
                if case .truncated = error {
                    throw .propertyTruncated(identifier, context: context, offset: identifierOffset)
                }
                throw error
            }
            guard property.hasValidValue else { throw .invalidPropertyValue(identifier, context: context) }
            elements.append(property)
        }
        reader.index = listEnd
        let dataBit: UInt64 = 1 << UInt64(MQTTPropertyIdentifier.authenticationData.rawValue)
        let methodBit: UInt64 = 1 << UInt64(MQTTPropertyIdentifier.authenticationMethod.rawValue)
        if seen & dataBit != 0 && seen & methodBit == 0 {
            throw .authenticationDataWithoutMethod(context: context)
        }
        return MQTTProperties(elements)
    }

    private static func readFlag(
        _ identifier: MQTTPropertyIdentifier,
        from reader: inout ByteReader,
        context: MQTTPropertyContext
    ) throws(MQTTDecodeError) -> Bool {
        switch try reader.readUInt8() {
        case 0: return false
        case 1: return true
        default: throw .invalidPropertyValue(identifier, context: context)
        }
    }

    private static func readValue(
        _ identifier: MQTTPropertyIdentifier,
        from reader: inout ByteReader,
        context: MQTTPropertyContext
    ) throws(MQTTDecodeError) -> MQTTProperty {
        switch identifier {
        case .payloadFormatIndicator:
            return .payloadFormatIndicator(
                try readFlag(identifier, from: &reader, context: context) ? .utf8 : .unspecified)
        case .messageExpiryInterval: return .messageExpiryInterval(try reader.readUInt32())
        case .contentType: return .contentType(try reader.readString())
        case .responseTopic: return .responseTopic(try reader.readString())
        case .correlationData: return .correlationData(try reader.readBinary())
        case .subscriptionIdentifier:
            return .subscriptionIdentifier(UInt32(truncatingIfNeeded: try reader.readVariableByteInteger()))
        case .sessionExpiryInterval: return .sessionExpiryInterval(try reader.readUInt32())
        case .assignedClientIdentifier: return .assignedClientIdentifier(try reader.readString())
        case .serverKeepAlive: return .serverKeepAlive(try reader.readUInt16())
        case .authenticationMethod: return .authenticationMethod(try reader.readString())
        case .authenticationData: return .authenticationData(try reader.readBinary())
        case .requestProblemInformation:
            return .requestProblemInformation(try readFlag(identifier, from: &reader, context: context))
        case .willDelayInterval: return .willDelayInterval(try reader.readUInt32())
        case .requestResponseInformation:
            return .requestResponseInformation(try readFlag(identifier, from: &reader, context: context))
        case .responseInformation: return .responseInformation(try reader.readString())
        case .serverReference: return .serverReference(try reader.readString())
        case .reasonString: return .reasonString(try reader.readString())
        case .receiveMaximum: return .receiveMaximum(try reader.readUInt16())
        case .topicAliasMaximum: return .topicAliasMaximum(try reader.readUInt16())
        case .topicAlias: return .topicAlias(try reader.readUInt16())
        case .maximumQoS:
            return .maximumQoS(try readFlag(identifier, from: &reader, context: context) ? .atLeastOnce : .atMostOnce)
        case .retainAvailable: return .retainAvailable(try readFlag(identifier, from: &reader, context: context))
        case .userProperty:
            let name = try reader.readString()
            let value = try reader.readString()
            return .userProperty(name: name, value: value)
        case .maximumPacketSize: return .maximumPacketSize(try reader.readUInt32())
        case .wildcardSubscriptionAvailable:
            return .wildcardSubscriptionAvailable(try readFlag(identifier, from: &reader, context: context))
        case .subscriptionIdentifierAvailable:
            return .subscriptionIdentifierAvailable(try readFlag(identifier, from: &reader, context: context))
        case .sharedSubscriptionAvailable:
            return .sharedSubscriptionAvailable(try readFlag(identifier, from: &reader, context: context))
        }
    }

    /// Validates the list for `context` and returns the size of its body (without the length prefix).
    func encodedBodyLength(context: MQTTPropertyContext) throws(MQTTEncodeError) -> Int {
        if elements.isEmpty { return 0 }
        var seen: UInt64 = 0
        var total = 0
        for property in elements {
            let identifier = property.identifier
            guard identifier.isAllowed(in: context) else { throw .propertyNotAllowed(identifier, context: context) }
            let bit: UInt64 = 1 << UInt64(identifier.rawValue)
            if seen & bit != 0 && !identifier.isRepeatable(in: context) {
                throw .duplicateProperty(identifier, context: context)
            }
            seen |= bit
            guard property.hasValidValue else { throw .invalidPropertyValue(identifier, context: context) }
            total += try property.encodedLength()
        }
        let dataBit: UInt64 = 1 << UInt64(MQTTPropertyIdentifier.authenticationData.rawValue)
        let methodBit: UInt64 = 1 << UInt64(MQTTPropertyIdentifier.authenticationMethod.rawValue)
        if seen & dataBit != 0 && seen & methodBit == 0 {
            throw .authenticationDataWithoutMethod(context: context)
        }
        guard total <= VariableByteInteger.maxValue else { throw .packetTooLarge(remainingLength: total) }
        return total
    }

    /// The size of the property length prefix plus a body of `bodyLength` bytes.
    static func sectionLength(bodyLength: Int) -> Int {
        (VariableByteInteger.encodedLength(of: bodyLength) ?? 4) + bodyLength
    }

    /// Writes the property length and the properties; `bodyLength` comes from ``encodedBodyLength(context:)``.
    func write(into buffer: inout [UInt8], bodyLength: Int) {
        buffer.writeVariableByteInteger(bodyLength)
        for property in elements { property.write(into: &buffer) }
    }
}

extension MQTTProperty {
    /// The encoded size of identifier plus value.
    func encodedLength() throws(MQTTEncodeError) -> Int {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            return 2
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
            return 3
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
            return 5
        case .subscriptionIdentifier(let value):
            return 1 + (VariableByteInteger.encodedLength(of: Int(value)) ?? 4)
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s), .reasonString(let s):
            return 1 + (try EncodingSize.string(s))
        case .correlationData(let data), .authenticationData(let data):
            return 1 + (try EncodingSize.binary(data))
        case .userProperty(let name, let value):
            return 1 + (try EncodingSize.string(name)) + (try EncodingSize.string(value))
        }
    }

    /// Writes identifier and value; the property was validated by `encodedLength()`.
    func write(into buffer: inout [UInt8]) {
        buffer.append(identifier.rawValue)
        switch self {
        case .payloadFormatIndicator(let format): buffer.append(format.rawValue)
        case .maximumQoS(let qos): buffer.append(qos.rawValue)
        case .requestProblemInformation(let flag), .requestResponseInformation(let flag), .retainAvailable(let flag),
            .wildcardSubscriptionAvailable(let flag), .subscriptionIdentifierAvailable(let flag),
            .sharedSubscriptionAvailable(let flag):
            buffer.append(flag ? 1 : 0)
        case .serverKeepAlive(let value), .receiveMaximum(let value), .topicAliasMaximum(let value),
            .topicAlias(let value):
            buffer.writeUInt16(value)
        case .messageExpiryInterval(let value), .sessionExpiryInterval(let value), .willDelayInterval(let value),
            .maximumPacketSize(let value):
            buffer.writeUInt32(value)
        case .subscriptionIdentifier(let value):
            buffer.writeVariableByteInteger(Int(value))
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s), .reasonString(let s):
            buffer.writeString(s)
        case .correlationData(let data), .authenticationData(let data):
            buffer.writeBinary(data)
        case .userProperty(let name, let value):
            buffer.writeString(name)
            buffer.writeString(value)
        }
    }
}
