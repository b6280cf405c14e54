import ATCodec

/// A firmware profile: the AT dialect plus the limits of one firmware (see docs/profiles.md).
public struct ModuleProfile: Equatable, Sendable {
    /// The profile's name as given to `--profile`.
    public var name: String
    /// The AT dialect.
    public var dialect: ATDialect
    /// The model string (`nv_model`).
    public var model: String
    /// The firmware build id printed in `+WIND:1:Poweron (...)`.
    public var buildID: String
    /// The copyright text of `+WIND:13`.
    public var copyright: String
    /// The longest command line accepted (terminator excluded).
    public var maximumLineLength: Int
    /// The largest block one SOCKW may carry.
    public var maximumSocketWrite: Int
    /// The number of client sockets (ids 0 to count-1).
    public var socketCount: Int
    /// How the firmware's resolver behaves.
    public var dns: DNSLimits

    /// SPWF01 with the fixes Uplink brings (the default).
    public static let spwf01 = ModuleProfile(
        name: "spwf01", dialect: .spwf01, model: "SPWF01SA1", buildID: "170111-665d284-SPWF01S",
        copyright: "ST SPWF01SA1 IWM: Copyright (c) 2012-2017 STMicroelectronics, Inc. All rights Reserved.",
        maximumLineLength: 512, maximumSocketWrite: 4096, socketCount: 8, dns: .modern)

    /// SPWF01 firmware 3.5 as shipped, to reproduce the field failures.
    public static let spwf01Legacy = ModuleProfile(
        name: "spwf01-3.5", dialect: .spwf01, model: "SPWF01SA1", buildID: "161208-c2f6b2e-SPWF01S",
        copyright: "ST SPWF01SA1 IWM: Copyright (c) 2012-2016 STMicroelectronics, Inc. All rights Reserved.",
        maximumLineLength: 512, maximumSocketWrite: 4096, socketCount: 8, dns: .legacy)

    /// SPWF04 (firmware 1.1 dialect).
    public static let spwf04 = ModuleProfile(
        name: "spwf04", dialect: .spwf04, model: "SPWF04SA", buildID: "171117-0328fe3-SPWF04S",
        copyright: "ST SPWF04SA IWM: Copyright (c) 2015-2017 STMicroelectronics, Inc. All rights Reserved.",
        maximumLineLength: 512, maximumSocketWrite: 4096, socketCount: 8, dns: .modern)

    /// Every profile, by name.
    public static let all: [ModuleProfile] = [.spwf01, .spwf01Legacy, .spwf04]

    /// The profile with this name, if any.
    public static func named(_ name: String) -> ModuleProfile? {
        all.first { $0.name == name.lowercased() }
    }
}

/// The resolver of a firmware: what it asks for and what it can take.
public struct DNSLimits: Equatable, Sendable {
    /// The EDNS0 UDP payload size advertised, or `nil` for none.
    public var ednsPayloadSize: UInt16?
    /// Whether a truncated reply is asked again over TCP.
    public var tcpFallback: Bool
    /// The largest UDP reply the firmware takes, or `nil` for any.
    public var maximumReplySize: Int?
    /// The longest host name it takes.
    public var maximumNameLength: Int

    /// Uplink's resolver: EDNS0 (1232), TCP fallback, any reply size, names up to 253.
    public static let modern = DNSLimits(
        ednsPayloadSize: 1232, tcpFallback: true, maximumReplySize: nil, maximumNameLength: 253)
    /// SPWF01 FW 3.5 (per ST, in the seed thread): UDP only, no EDNS, replies up to 300 bytes, names up to 100.
    public static let legacy = DNSLimits(
        ednsPayloadSize: nil, tcpFallback: false, maximumReplySize: 300, maximumNameLength: 100)
}
