/// A parsed shared subscription filter, `$share/{ShareName}/{filter}` (§4.8.2).
public struct MQTTSharedSubscription: Sendable, Equatable, Hashable {
    /// The share name (group).
    public var shareName: String
    /// The inner topic filter that messages are matched against.
    public var topicFilter: String

    /// Parses `filter`; `nil` if it is not a valid shared subscription.
    public init?(filter: String) {
        var result: (String, String)?
        MQTTTopic.withBytes(filter) { bytes in
            guard MQTTTopic.isValidTopicFilter(bytes: bytes), let start = MQTTTopic.sharedFilterStart(bytes: bytes)
            else { return }
            let nameBytes = UnsafeBufferPointer(rebasing: bytes[MQTTTopic.sharePrefix.count..<(start - 1)])
            let filterBytes = UnsafeBufferPointer(rebasing: bytes[start...])
            result = (String(decoding: nameBytes, as: UTF8.self), String(decoding: filterBytes, as: UTF8.self))
        }
        guard let result else { return nil }
        shareName = result.0
        topicFilter = result.1
    }

    /// A shared subscription with the given parts (not validated).
    public init(shareName: String, topicFilter: String) {
        self.shareName = shareName
        self.topicFilter = topicFilter
    }

    /// The full `$share/{ShareName}/{filter}` string.
    public var filter: String { "$share/" + shareName + "/" + topicFilter }
}
