/// Which parts of the AT conversation an ``ATHostSessionOf`` can reach, as compile-time flags: where a flag is
/// `false`, the session specialised for it carries none of that part's code (a firmware's image is smaller), and
/// refuses a command that needs it with ``ATHostFailure/protocolViolation(_:)``.
public protocol ATHostSessionFeatures {
    /// SPWF01 data mode: `AT+S.`, the escape sequence, the peer's raw bytes between `+WIND:60` and `+WIND:59`.
    static var dataMode: Bool { get }
    /// HTTPGET/HTTPPOST responses read as streams.
    static var httpStreams: Bool { get }
    /// SPWF01's socket server: its WINDs (61-64) parsed into their indications.
    static var socketServer: Bool { get }
    /// The SPWF04's MQTT client: its `+WIND:86` messages, whose bytes follow the WIND line, and `+WIND:87`.
    static var moduleMQTT: Bool { get }
    /// The one dialect family the session speaks, whatever dialect it is given; `nil`: the dialect it is given.
    /// With a family here, the other family's parsing does not remain in a specialised session.
    static var family: ATDialect.Family? { get }
}

extension ATHostSessionFeatures {
    /// Any family.
    public static var family: ATDialect.Family? { nil }

    /// `dialect`, or the dialect of ``family`` when there is one (a constant where the features are).
    @inline(__always)
    static func dialect(_ dialect: ATDialect) -> ATDialect {
        if let family { return ATDialect(family: family) }
        return dialect
    }
}

/// Every part: the session of the hosted driver and the tools (``ATHostSession``).
public enum ATAllHostFeatures: ATHostSessionFeatures {
    public static var dataMode: Bool { true }
    public static var httpStreams: Bool { true }
    public static var socketServer: Bool { true }
    public static var moduleMQTT: Bool { true }
}

/// Commands, replies, WINDs and client sockets only: what an SPWF01 socket host (the firmware's `SPWFHost`)
/// reaches. The WINDs of data mode, the socket server and the SPWF04's MQTT client come as `ATIndication.other`.
public enum ATSocketHostFeatures: ATHostSessionFeatures {
    public static var dataMode: Bool { false }
    public static var httpStreams: Bool { false }
    public static var socketServer: Bool { false }
    public static var moduleMQTT: Bool { false }
}

/// ``ATSocketHostFeatures`` for an SPWF01 only: the firmware's `SPWFHost`, which carries no SPWF04 parsing.
public enum ATSPWF01SocketHostFeatures: ATHostSessionFeatures {
    public static var dataMode: Bool { false }
    public static var httpStreams: Bool { false }
    public static var socketServer: Bool { false }
    public static var moduleMQTT: Bool { false }
    public static var family: ATDialect.Family? { .spwf01 }
}

/// The host's side of the AT conversation with every part (see ``ATHostSessionOf``).
public typealias ATHostSession = ATHostSessionOf<ATAllHostFeatures>
