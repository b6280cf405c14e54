/// Identifies a command submitted to an ``ATHostSessionOf`` (``ATHostSession/ExchangeID``).
public typealias ATHostExchangeID = UInt64

/// What a command got back (``ATHostSession/Response``).
public struct ATHostResponse: Equatable, Sendable {
    /// The reply's lines before its OK (WINDs excluded).
    public var lines: [ATReply] = []
    /// SOCKR's raw bytes.
    public var data: [UInt8] = []

    /// An empty response.
    public init(lines: [ATReply] = [], data: [UInt8] = []) {
        self.lines = lines
        self.data = data
    }
}

/// Why a command did not get its OK (``ATHostSession/Failure``).
public enum ATHostFailure: Error, Equatable, Sendable {
    /// The module answered with an error line.
    case module(ATError)
    /// The module rebooted (`+WIND:2`, `+WIND:1` or `+WIND:8`) before it answered.
    case rebooted
    /// No answer before the deadline.
    case timedOut
    /// The bytes did not have the shape the reply must have.
    case protocolViolation(String)
    /// The session lost track of the conversation after a timeout; resynchronise first.
    case desynchronized
}

/// What the executor of an ``ATHostSessionOf`` must do (``ATHostSession/Effect``).
public enum ATHostEffect: Equatable, Sendable {
    /// Put these bytes on the link.
    case write([UInt8])
    /// A command finished.
    case completed(ATHostExchangeID, Result<ATHostResponse, ATHostFailure>)
    /// A WIND arrived.
    case indication(ATIndication)
    /// SPWF01 data mode: raw bytes from the peer.
    case data([UInt8])
}
