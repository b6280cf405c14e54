/// Deadlines and sizes of a ``ModuleDriver``. Every wait has one.
public struct ModuleDriverConfiguration: Sendable {
    /// The deadline of an ordinary command (a configuration change, SOCKW, SOCKR...).
    public var commandTimeout: Duration = .seconds(5)
    /// The deadline of SOCKON: name lookup, connect and TLS handshake on the module (which has deadlines of its
    /// own for each, shorter than this).
    public var socketOpenTimeout: Duration = .seconds(45)
    /// The deadline of a reset, from the command to `+WIND:32`.
    public var resetTimeout: Duration = .seconds(10)
    /// How long to wait for `+WIND:24` after the radio is turned on.
    public var wifiTimeout: Duration = .seconds(30)
    /// How often a reader with nothing announced asks SOCKQ (the fallback when a `+WIND:55` is lost).
    public var pollInterval: Duration = .seconds(1)
    /// The most bytes one SOCKW carries (the mbed driver's 730: the SPWF01's TCP MSS).
    public var maximumWrite = 730
    /// The most bytes one SOCKR asks for.
    public var maximumRead = 730
    /// The longest reply line accepted.
    public var maximumLineLength = 1024
    /// Whether binary reads are framed by masking WINDs 32–63 (SPWF01, whose SOCKR bytes have no header).
    public var masksWindsAroundReads = true

    /// Pace the driver's output at this baud rate (10 bits a byte), as a real UART would carry it; `nil`: as fast
    /// as the link takes it. (Benchmarks pace both ends: `uplink module --pace` paces the module's output.)
    public var paceBaud: Int?

    /// The defaults.
    public init() {}
}
