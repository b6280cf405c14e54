import Testing
import UplinkModule

/// The module's command line limit at its boundary, in both dialects: a command of exactly the profile's
/// `maximumLineLength` bytes runs; one byte more is refused with `Line too long` and changes nothing.
@Suite("The AT line limit: exactly the limit runs, one byte over is refused", .timeLimit(.minutes(1)))
struct LineLimitTests {
    /// `AT+S.SCFG=wifi_tx_power,0…07`, padded with leading zeros to `length` bytes (without the CR).
    static func setTxPower(_ value: Int, length: Int) -> String {
        let prefix = "AT+S.SCFG=wifi_tx_power,"
        let digits = String(value)
        return prefix + String(repeating: "0", count: length - prefix.utf8.count - digits.utf8.count) + digits
    }

    @Test("a line of exactly the limit runs; limit + 1 is Line too long", arguments: Wire.both)
    func boundary(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        let limit = wire.profile.maximumLineLength
        #expect(limit == 512)

        let exact = Self.setTxPower(12, length: limit)
        #expect(exact.utf8.count == limit)
        try await host.send(exact + "\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.GCFG=wifi_tx_power\r")
        try await host.expect(wire.variable("wifi_tx_power", "12") + wire.ok)

        let over = Self.setTxPower(7, length: limit + 1)
        #expect(over.utf8.count == limit + 1)
        try await host.send(over + "\r")
        try await host.expect(wire.error(4, "Line too long"))
        try await host.send("AT+S.GCFG=wifi_tx_power\r")
        try await host.expect(wire.variable("wifi_tx_power", "12") + wire.ok)
    }
}
