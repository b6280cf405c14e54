/// An ordered MQTT 5 property list.
///
/// Properties keep their wire order. The typed accessors read the first occurrence; setting one removes every
/// occurrence of that identifier and, for a non-`nil` value, appends the new property at the end.
public struct MQTTProperties: Sendable, Equatable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The properties in wire order.
    public var elements: [MQTTProperty]

    /// An empty property list.
    public init() { elements = [] }

    /// A property list holding `elements` in order.
    public init(_ elements: [MQTTProperty]) { self.elements = elements }

    /// A property list holding the literal's elements in order.
    public init(arrayLiteral elements: MQTTProperty...) { self.elements = elements }

    /// The position of the first property.
    public var startIndex: Int { elements.startIndex }

    /// The position one past the last property.
    public var endIndex: Int { elements.endIndex }

    /// The property at `position`.
    public subscript(position: Int) -> MQTTProperty { elements[position] }

    /// Appends a property.
    public mutating func append(_ property: MQTTProperty) { elements.append(property) }

    /// The first property with the given identifier, if any.
    public func first(_ identifier: MQTTPropertyIdentifier) -> MQTTProperty? {
        for property in elements where property.identifier == identifier { return property }
        return nil
    }

    /// Whether a property with the given identifier is present.
    public func contains(_ identifier: MQTTPropertyIdentifier) -> Bool {
        first(identifier) != nil
    }

    /// Removes every property with the given identifier.
    public mutating func removeAll(_ identifier: MQTTPropertyIdentifier) {
        elements.removeAll { $0.identifier == identifier }
    }

    private mutating func replace(_ identifier: MQTTPropertyIdentifier, with property: MQTTProperty?) {
        removeAll(identifier)
        if let property { elements.append(property) }
    }

    /// Payload Format Indicator (0x01), if present.
    public var payloadFormatIndicator: MQTTPayloadFormatIndicator? {
        get {
            for property in elements { if case .payloadFormatIndicator(let value) = property { return value } }
            return nil
        }
        set { replace(.payloadFormatIndicator, with: newValue.map { .payloadFormatIndicator($0) }) }
    }

    /// Message Expiry Interval in seconds (0x02), if present.
    public var messageExpiryInterval: UInt32? {
        get {
            for property in elements { if case .messageExpiryInterval(let value) = property { return value } }
            return nil
        }
        set { replace(.messageExpiryInterval, with: newValue.map { .messageExpiryInterval($0) }) }
    }

    /// Content Type (0x03), if present.
    public var contentType: String? {
        get {
            for property in elements { if case .contentType(let value) = property { return value } }
            return nil
        }
        set { replace(.contentType, with: newValue.map { .contentType($0) }) }
    }

    /// Response Topic (0x08), if present.
    public var responseTopic: String? {
        get {
            for property in elements { if case .responseTopic(let value) = property { return value } }
            return nil
        }
        set { replace(.responseTopic, with: newValue.map { .responseTopic($0) }) }
    }

    /// Correlation Data (0x09), if present.
    public var correlationData: [UInt8]? {
        get {
            for property in elements { if case .correlationData(let value) = property { return value } }
            return nil
        }
        set { replace(.correlationData, with: newValue.map { .correlationData($0) }) }
    }

    /// Session Expiry Interval in seconds (0x11), if present.
    public var sessionExpiryInterval: UInt32? {
        get {
            for property in elements { if case .sessionExpiryInterval(let value) = property { return value } }
            return nil
        }
        set { replace(.sessionExpiryInterval, with: newValue.map { .sessionExpiryInterval($0) }) }
    }

    /// Assigned Client Identifier (0x12), if present.
    public var assignedClientIdentifier: String? {
        get {
            for property in elements { if case .assignedClientIdentifier(let value) = property { return value } }
            return nil
        }
        set { replace(.assignedClientIdentifier, with: newValue.map { .assignedClientIdentifier($0) }) }
    }

    /// Server Keep Alive in seconds (0x13), if present.
    public var serverKeepAlive: UInt16? {
        get {
            for property in elements { if case .serverKeepAlive(let value) = property { return value } }
            return nil
        }
        set { replace(.serverKeepAlive, with: newValue.map { .serverKeepAlive($0) }) }
    }

    /// Authentication Method (0x15), if present.
    public var authenticationMethod: String? {
        get {
            for property in elements { if case .authenticationMethod(let value) = property { return value } }
            return nil
        }
        set { replace(.authenticationMethod, with: newValue.map { .authenticationMethod($0) }) }
    }

    /// Authentication Data (0x16), if present.
    public var authenticationData: [UInt8]? {
        get {
            for property in elements { if case .authenticationData(let value) = property { return value } }
            return nil
        }
        set { replace(.authenticationData, with: newValue.map { .authenticationData($0) }) }
    }

    /// Request Problem Information (0x17), if present.
    public var requestProblemInformation: Bool? {
        get {
            for property in elements { if case .requestProblemInformation(let value) = property { return value } }
            return nil
        }
        set { replace(.requestProblemInformation, with: newValue.map { .requestProblemInformation($0) }) }
    }

    /// Will Delay Interval in seconds (0x18), if present.
    public var willDelayInterval: UInt32? {
        get {
            for property in elements { if case .willDelayInterval(let value) = property { return value } }
            return nil
        }
        set { replace(.willDelayInterval, with: newValue.map { .willDelayInterval($0) }) }
    }

    /// Request Response Information (0x19), if present.
    public var requestResponseInformation: Bool? {
        get {
            for property in elements { if case .requestResponseInformation(let value) = property { return value } }
            return nil
        }
        set { replace(.requestResponseInformation, with: newValue.map { .requestResponseInformation($0) }) }
    }

    /// Response Information (0x1A), if present.
    public var responseInformation: String? {
        get {
            for property in elements { if case .responseInformation(let value) = property { return value } }
            return nil
        }
        set { replace(.responseInformation, with: newValue.map { .responseInformation($0) }) }
    }

    /// Server Reference (0x1C), if present.
    public var serverReference: String? {
        get {
            for property in elements { if case .serverReference(let value) = property { return value } }
            return nil
        }
        set { replace(.serverReference, with: newValue.map { .serverReference($0) }) }
    }

    /// Reason String (0x1F), if present.
    public var reasonString: String? {
        get {
            for property in elements { if case .reasonString(let value) = property { return value } }
            return nil
        }
        set { replace(.reasonString, with: newValue.map { .reasonString($0) }) }
    }

    /// Receive Maximum (0x21), if present.
    public var receiveMaximum: UInt16? {
        get {
            for property in elements { if case .receiveMaximum(let value) = property { return value } }
            return nil
        }
        set { replace(.receiveMaximum, with: newValue.map { .receiveMaximum($0) }) }
    }

    /// Topic Alias Maximum (0x22), if present.
    public var topicAliasMaximum: UInt16? {
        get {
            for property in elements { if case .topicAliasMaximum(let value) = property { return value } }
            return nil
        }
        set { replace(.topicAliasMaximum, with: newValue.map { .topicAliasMaximum($0) }) }
    }

    /// Topic Alias (0x23), if present.
    public var topicAlias: UInt16? {
        get {
            for property in elements { if case .topicAlias(let value) = property { return value } }
            return nil
        }
        set { replace(.topicAlias, with: newValue.map { .topicAlias($0) }) }
    }

    /// Maximum QoS (0x24), if present.
    public var maximumQoS: MQTTQoS? {
        get {
            for property in elements { if case .maximumQoS(let value) = property { return value } }
            return nil
        }
        set { replace(.maximumQoS, with: newValue.map { .maximumQoS($0) }) }
    }

    /// Retain Available (0x25), if present.
    public var retainAvailable: Bool? {
        get {
            for property in elements { if case .retainAvailable(let value) = property { return value } }
            return nil
        }
        set { replace(.retainAvailable, with: newValue.map { .retainAvailable($0) }) }
    }

    /// Maximum Packet Size (0x27), if present.
    public var maximumPacketSize: UInt32? {
        get {
            for property in elements { if case .maximumPacketSize(let value) = property { return value } }
            return nil
        }
        set { replace(.maximumPacketSize, with: newValue.map { .maximumPacketSize($0) }) }
    }

    /// Wildcard Subscription Available (0x28), if present.
    public var wildcardSubscriptionAvailable: Bool? {
        get {
            for property in elements { if case .wildcardSubscriptionAvailable(let value) = property { return value } }
            return nil
        }
        set { replace(.wildcardSubscriptionAvailable, with: newValue.map { .wildcardSubscriptionAvailable($0) }) }
    }

    /// Subscription Identifier Available (0x29), if present.
    public var subscriptionIdentifierAvailable: Bool? {
        get {
            for property in elements { if case .subscriptionIdentifierAvailable(let value) = property { return value } }
            return nil
        }
        set { replace(.subscriptionIdentifierAvailable, with: newValue.map { .subscriptionIdentifierAvailable($0) }) }
    }

    /// Shared Subscription Available (0x2A), if present.
    public var sharedSubscriptionAvailable: Bool? {
        get {
            for property in elements { if case .sharedSubscriptionAvailable(let value) = property { return value } }
            return nil
        }
        set { replace(.sharedSubscriptionAvailable, with: newValue.map { .sharedSubscriptionAvailable($0) }) }
    }

    /// All Subscription Identifiers in order; setting replaces them.
    public var subscriptionIdentifiers: [UInt32] {
        get {
            var result: [UInt32] = []
            for property in elements { if case .subscriptionIdentifier(let value) = property { result.append(value) } }
            return result
        }
        set {
            removeAll(.subscriptionIdentifier)
            for value in newValue { elements.append(.subscriptionIdentifier(value)) }
        }
    }

    /// All User Properties as ordered name/value pairs; setting replaces them.
    public var userProperties: [(name: String, value: String)] {
        get {
            var result: [(name: String, value: String)] = []
            for property in elements {
                if case .userProperty(let name, let value) = property { result.append((name, value)) }
            }
            return result
        }
        set {
            removeAll(.userProperty)
            for pair in newValue { elements.append(.userProperty(name: pair.name, value: pair.value)) }
        }
    }
}
