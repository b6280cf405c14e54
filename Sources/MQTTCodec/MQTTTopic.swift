/// Topic name and topic filter validation and matching (§4.7).
///
/// Topics compare byte for byte on their UTF-8 encoding; no Unicode normalization is applied.
public enum MQTTTopic {
    /// Whether `topic` is a valid topic name for PUBLISH: 1...65,535 UTF-8 bytes, no `+`, `#` or U+0000.
    public static func isValidTopicName(_ topic: String) -> Bool {
        withBytes(topic) { isValidTopicName(bytes: $0) }
    }

    /// Whether `filter` is a valid topic filter: 1...65,535 bytes, no U+0000, `+` only as a whole level, `#` only
    /// as the whole last level, and for `$share/{ShareName}/{filter}` a non-empty share name free of `/`, `+`,
    /// `#` followed by a valid non-empty filter.
    public static func isValidTopicFilter(_ filter: String) -> Bool {
        withBytes(filter) { isValidTopicFilter(bytes: $0) }
    }

    /// Whether `filter` is a shared subscription (`$share/{ShareName}/{filter}`).
    public static func isSharedSubscription(_ filter: String) -> Bool {
        withBytes(filter) { sharedFilterStart(bytes: $0) != nil }
    }

    /// Whether the topic name `topic` matches `filter`.
    ///
    /// `+` matches exactly one level, `#` matches the parent level and any number of child levels; a filter
    /// starting with a wildcard does not match topics starting with `$` (§4.7.2). A shared subscription
    /// `$share/{ShareName}/{filter}` matches as its inner filter. Invalid topics or filters never match.
    public static func matches(topic: String, filter: String) -> Bool {
        withBytes(topic) { topicBytes in
            withBytes(filter) { filterBytes in
                guard isValidTopicName(bytes: topicBytes), isValidTopicFilter(bytes: filterBytes) else {
                    return false
                }
                let start = sharedFilterStart(bytes: filterBytes) ?? 0
                return matchLevels(
                    topic: topicBytes,
                    filter: UnsafeBufferPointer(rebasing: filterBytes[start...])
                )
            }
        }
    }

    // MARK: - Byte level

    static let slash: UInt8 = 0x2F
    static let plus: UInt8 = 0x2B
    static let hash: UInt8 = 0x23
    static let dollar: UInt8 = 0x24
    static let sharePrefix: [UInt8] = [0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2F]  // "$share/"

    static func withBytes<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var copy = string
        return copy.withUTF8 { body($0) }
    }

    static func isValidTopicName(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 65_535 else { return false }
        for byte in bytes where byte == 0 || byte == plus || byte == hash { return false }
        return true
    }

    static func isValidTopicFilter(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 65_535 else { return false }
        if hasSharePrefix(bytes) {
            guard let start = sharedFilterStart(bytes: bytes) else { return false }
            return hasValidWildcards(UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        return hasValidWildcards(bytes)
    }

    static func hasSharePrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= sharePrefix.count else { return false }
        for index in 0..<sharePrefix.count where bytes[index] != sharePrefix[index] { return false }
        return true
    }

    /// For a well-formed shared subscription, the index where the inner filter starts.
    static func sharedFilterStart(bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard hasSharePrefix(bytes) else { return nil }
        var index = sharePrefix.count
        while index < bytes.count {
            let byte = bytes[index]
            if byte == slash { break }
            if byte == plus || byte == hash || byte == 0 { return nil }
            index += 1
        }
        // Need a non-empty share name, a separating slash, and a non-empty filter after it.
        guard index > sharePrefix.count, index + 1 < bytes.count else { return nil }
        return index + 1
    }

    static func hasValidWildcards(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        guard count > 0 else { return false }
        for index in 0..<count {
            let byte = bytes[index]
            if byte == 0 { return false }
            if byte == plus || byte == hash {
                if index > 0 && bytes[index - 1] != slash { return false }
                if index + 1 < count && (byte == hash || bytes[index + 1] != slash) { return false }
            }
        }
        return true
    }

    static func matchLevels(topic: UnsafeBufferPointer<UInt8>, filter: UnsafeBufferPointer<UInt8>) -> Bool {
        let topicCount = topic.count
        let filterCount = filter.count
        if topicCount > 0 && topic[0] == dollar && filterCount > 0 && (filter[0] == plus || filter[0] == hash) {
            return false
        }
        var topicIndex = 0
        var filterIndex = 0
        while true {
            var filterEnd = filterIndex
            while filterEnd < filterCount && filter[filterEnd] != slash { filterEnd += 1 }
            let filterLevelLength = filterEnd - filterIndex
            if filterLevelLength == 1 && filter[filterIndex] == hash { return true }
            var topicEnd = topicIndex
            while topicEnd < topicCount && topic[topicEnd] != slash { topicEnd += 1 }
            if !(filterLevelLength == 1 && filter[filterIndex] == plus) {
                guard topicEnd - topicIndex == filterLevelLength else { return false }
                var offset = 0
                while offset < filterLevelLength {
                    if topic[topicIndex + offset] != filter[filterIndex + offset] { return false }
                    offset += 1
                }
            }
            let filterDone = filterEnd == filterCount
            let topicDone = topicEnd == topicCount
            if filterDone { return topicDone }
            filterIndex = filterEnd + 1
            topicIndex = topicEnd + 1
            if topicDone {
                // "a/#" also matches "a": only a lone trailing "#" level may remain.
                return filterCount - filterIndex == 1 && filter[filterIndex] == hash
            }
        }
    }
}
