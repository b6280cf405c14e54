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

    /// Reads the value of `identifier` in the wire format its ``MQTTPropertyIdentifier/dataType`` gives (the one
    /// table of formats, shared with the encoder's sizes), then makes the property. A byte property is a flag (0 or
    /// 1, otherwise ``MQTTDecodeError/invalidPropertyValue(_:context:)``).
    private static func readValue(
        _ identifier: MQTTPropertyIdentifier,
        from reader: inout ByteReader,
        context: MQTTPropertyContext
    ) throws(MQTTDecodeError) -> MQTTProperty {
        let property: MQTTProperty?
        switch identifier.dataType {
        case .byte:
            let flag: Bool
            switch try reader.readUInt8() {
            case 0: flag = false
            case 1: flag = true
            default: throw .invalidPropertyValue(identifier, context: context)
            }
            property = byteProperty(identifier, flag)
        case .twoByteInteger:
            property = twoByteProperty(identifier, try reader.readUInt16())
        case .fourByteInteger:
            property = fourByteProperty(identifier, try reader.readUInt32())
        case .variableByteInteger:
            let value = UInt32(truncatingIfNeeded: try reader.readVariableByteInteger())
            property = identifier == .subscriptionIdentifier ? .subscriptionIdentifier(value) : nil
        case .utf8String:
            property = stringProperty(identifier, try reader.readString())
        case .binaryData:
            property = binaryProperty(identifier, try reader.readBinary())
        case .utf8StringPair:
            let name = try reader.readString()
            let value = try reader.readString()
            property = identifier == .userProperty ? .userProperty(name: name, value: value) : nil
        }
        // Every identifier has a case below for its data type; nil would be a gap in this file, not bad input.
        guard let property else { throw .invalidPropertyValue(identifier, context: context) }
        return property
    }

    private static func byteProperty(_ identifier: MQTTPropertyIdentifier, _ flag: Bool) -> MQTTProperty? {
        switch identifier {
        case .payloadFormatIndicator: return .payloadFormatIndicator(flag ? .utf8 : .unspecified)
        case .requestProblemInformation: return .requestProblemInformation(flag)
        case .requestResponseInformation: return .requestResponseInformation(flag)
        case .maximumQoS: return .maximumQoS(flag ? .atLeastOnce : .atMostOnce)
        case .retainAvailable: return .retainAvailable(flag)
        case .wildcardSubscriptionAvailable: return .wildcardSubscriptionAvailable(flag)
        case .subscriptionIdentifierAvailable: return .subscriptionIdentifierAvailable(flag)
        case .sharedSubscriptionAvailable: return .sharedSubscriptionAvailable(flag)
        default: return nil
        }
    }

    private static func twoByteProperty(_ identifier: MQTTPropertyIdentifier, _ value: UInt16) -> MQTTProperty? {
        switch identifier {
        case .serverKeepAlive: return .serverKeepAlive(value)
        case .receiveMaximum: return .receiveMaximum(value)
        case .topicAliasMaximum: return .topicAliasMaximum(value)
        case .topicAlias: return .topicAlias(value)
        default: return nil
        }
    }

    private static func fourByteProperty(_ identifier: MQTTPropertyIdentifier, _ value: UInt32) -> MQTTProperty? {
        switch identifier {
        case .messageExpiryInterval: return .messageExpiryInterval(value)
        case .sessionExpiryInterval: return .sessionExpiryInterval(value)
        case .willDelayInterval: return .willDelayInterval(value)
        case .maximumPacketSize: return .maximumPacketSize(value)
        default: return nil
        }
    }

    private static func stringProperty(_ identifier: MQTTPropertyIdentifier, _ value: String) -> MQTTProperty? {
        switch identifier {
        case .contentType: return .contentType(value)
        case .responseTopic: return .responseTopic(value)
        case .assignedClientIdentifier: return .assignedClientIdentifier(value)
        case .authenticationMethod: return .authenticationMethod(value)
        case .responseInformation: return .responseInformation(value)
        case .serverReference: return .serverReference(value)
        case .reasonString: return .reasonString(value)
        default: return nil
        }
    }

    private static func binaryProperty(_ identifier: MQTTPropertyIdentifier, _ value: [UInt8]) -> MQTTProperty? {
        switch identifier {
        case .correlationData: return .correlationData(value)
        case .authenticationData: return .authenticationData(value)
        default: return nil
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
        switch identifier.dataType {
        case .byte: return 2
        case .twoByteInteger: return 3
        case .fourByteInteger: return 5
        case .variableByteInteger, .utf8String, .binaryData, .utf8StringPair: break
        }
        switch self {
        case .subscriptionIdentifier(let value):
            return 1 + (VariableByteInteger.encodedLength(of: Int(value)) ?? 4)
        case .contentType(let s), .responseTopic(let s), .assignedClientIdentifier(let s),
            .authenticationMethod(let s), .responseInformation(let s), .serverReference(let s), .reasonString(let s):
            return 1 + (try EncodingSize.string(s))
        case .correlationData(let data), .authenticationData(let data):
            return 1 + (try EncodingSize.binary(data))
        case .userProperty(let name, let value):
            return 1 + (try EncodingSize.string(name)) + (try EncodingSize.string(value))
        default:
            // Fixed-size types are answered above from the data type table.
            return 1
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
