import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct TopicTests {
    @Test func topicNameValidity() {
        for valid in ["a", "/", "a/b", "sport/tennis/player1", "$SYS/broker", "a//b", "ü/🚀", " "] {
            #expect(MQTTTopic.isValidTopicName(valid), "\(valid)")
        }
        for invalid in ["", "a/+", "+", "#", "a/#", "a+b", "a\u{0}b", String(repeating: "x", count: 65_536)] {
            #expect(!MQTTTopic.isValidTopicName(invalid), "\(invalid)")
        }
    }

    @Test func topicFilterValidity() {
        let valid = [
            "#", "+", "sport/tennis/#", "sport/#", "+/tennis/#", "sport/+/player1", "+/+", "/+", "a//b", "$SYS/#",
            "$share/group/a/b", "$share/g/#", "$share/g/+/x", "$share", "$sharex/a",
        ]
        for filter in valid { #expect(MQTTTopic.isValidTopicFilter(filter), "\(filter)") }
        let invalid = [
            "", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "a/b+", "+a", "##", "a/#/", "#/",
            "$share/", "$share/g", "$share/g/", "$share//a", "$share/g+/a", "$share/g#/a", "$share/g/a/#/b",
            "a\u{0}", String(repeating: "x", count: 65_536),
        ]
        for filter in invalid { #expect(!MQTTTopic.isValidTopicFilter(filter), "\(filter)") }
    }

    /// (filter, topic, matches) — mostly the examples of §4.7.
    static let matchTable: [(String, String, Bool)] = [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/tennis/player1/#", "sport/tennis/player2", false),
        ("sport/#", "sport", true),
        ("#", "sport/tennis", true),
        ("#", "/", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+", "finance", true),
        ("a/+/c", "a//c", true),
        ("a/+/c", "a/b/c/d", false),
        ("a/b", "a/b", true),
        ("a/b", "a/b/", false),
        ("a/b/", "a/b", false),
        ("ACCOUNTS", "Accounts", false),
        ("ü/+", "ü/x", true),
        ("#", "$SYS/monitor", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("$share/group/sport/#", "sport/tennis", true),
        ("$share/group/+", "a", true),
        ("$share/group/#", "$SYS/x", false),
        ("$share/group/a", "$share/group/a", false),
        ("a/#", "a/+", false),  // not a valid topic name
        ("a/#/b", "a/x/b", false),  // not a valid filter
    ]

    @Test func matching() {
        for (filter, topic, expected) in Self.matchTable {
            #expect(MQTTTopic.matches(topic: topic, filter: filter) == expected, "\(filter) vs \(topic)")
        }
    }

    @Test func sharedSubscriptions() {
        #expect(MQTTTopic.isSharedSubscription("$share/g/a/b"))
        #expect(!MQTTTopic.isSharedSubscription("a/b"))
        #expect(!MQTTTopic.isSharedSubscription("$share/g"))
        let parsed = MQTTSharedSubscription(filter: "$share/consumers/sensors/+/temp")
        #expect(parsed == MQTTSharedSubscription(shareName: "consumers", topicFilter: "sensors/+/temp"))
        #expect(parsed?.filter == "$share/consumers/sensors/+/temp")
        #expect(MQTTSharedSubscription(filter: "sensors/#") == nil)
        #expect(MQTTSharedSubscription(filter: "$share/g/a/#/b") == nil)
    }
}
