import ATCodec
import ArgumentParser
import Foundation
import UplinkCredentials
import UplinkDriver
import UplinkOptions

/// `uplink device DEV`: what a module on a serial device is and what it holds, asked the way a host driver asks.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Show a module's firmware, profile, Wi-Fi state, open sockets and credential slot usage.",
        discussion: """
            Opens the serial device (a pseudo-terminal of `uplink module`, or real hardware), finds the dialect from \
            the answer to AT, and asks AT+S.STS, SOCKQ for each socket id and (SPWF04) AT+S.TLSCERT=content,1. \
            Nothing is changed on the module but its echo, which is turned off as every driver does. Exit status 0 \
            when the module answered, 1 when it did not.
            """
    )

    @Argument(help: "The serial device (/dev/ttyUSB0, /dev/pts/N, the --link of uplink module).")
    var device: String

    @Option(name: .long, help: "Baud rate.")
    var baud = 115_200

    @Flag(name: .long, help: "RTS/CTS flow control.")
    var rtscts = false

    @Option(
        name: .long,
        help: "The profile whose slot sizes to compare with: spwf01, spwf01-3.5, spwf04 (default: by dialect).")
    var profile: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let profile { _ = try Self.layout(profile) }
        try OptionCheck.number(baud, in: 1...4_000_000, option: "--baud")
    }

    private static func layout(_ name: String) throws -> SlotLayout {
        do {
            return try SlotLayout.profile(named: name)
        } catch {
            throw ValidationError("Unknown profile '\(name)'; use spwf01, spwf01-3.5 or spwf04.")
        }
    }

    func run() async throws {
        let driver: ModuleDriver
        do {
            driver = try await ModuleDriver.open(path: device, baud: baud, hardwareFlowControl: rtscts)
        } catch {
            FileHandle.standardError.write(Data("uplink device: \(error)\n".utf8))
            throw ExitCode(1)
        }
        do {
            let report = try await DeviceReport.collect(driver, profile: profile)
            print(json ? report.json : report.text, terminator: "")
            await driver.close()
        } catch {
            await driver.close()
            FileHandle.standardError.write(Data("uplink device: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// What `uplink device` found.
struct DeviceReport {
    var dialect: String
    var profile: String
    var version: String
    var wifiState: String
    var address: String
    var sockets: [(id: Int, pending: Int)]
    var slots: [(slot: String, bytes: Int?, capacity: Int)]

    static func collect(_ driver: ModuleDriver, profile: String?) async throws -> DeviceReport {
        let dialect = await driver.dialect
        let status = try await driver.status()
        func value(_ name: String) -> String { status.first { $0.name == name }?.value ?? "" }
        let layout: SlotLayout
        if let profile {
            layout = try SlotLayout.profile(named: profile)
        } else {
            layout = dialect.family == .spwf04 ? .spwf04 : .spwf01
        }
        let usage = try await driver.credentialUsage()
        let slots = [("ca", layout.ca), ("cert", layout.cert), ("key", layout.key)].map { slot, capacity in
            (slot: slot, bytes: usage.map { used in used.first { $0.slot == slot }?.bytes ?? 0 }, capacity: capacity)
        }
        let address = value("ip_ipaddr")
        let state = value("wifi_state")
        return DeviceReport(
            dialect: dialect.family.rawValue, profile: layout.profile, version: value("version"),
            wifiState: address.isEmpty || address == "0.0.0.0"
                ? "down (wifi_state \(state))" : "up (wifi_state \(state))",
            address: address, sockets: try await driver.probeSockets(), slots: slots)
    }

    var text: String {
        var lines = [
            "firmware   \(version)",
            "dialect    \(dialect)",
            "profile    \(profile) (slot sizes)",
            "wifi       \(wifiState)",
            "address    \(address)",
            "sockets    "
                + (sockets.isEmpty
                    ? "none open" : sockets.map { "\($0.id) (\($0.pending) bytes waiting)" }.joined(separator: ", ")),
            "slots",
        ]
        for slot in slots {
            let used =
                slot.bytes.map { "\($0) of \(slot.capacity) bytes" }
                ?? "? of \(slot.capacity) bytes (SPWF01 firmware does not report it)"
            lines.append("  \(slot.slot.padding(toLength: 5, withPad: " ", startingAt: 0))\(used)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private struct JSONForm: Encodable {
        struct Socket: Encodable {
            var id: Int
            var pending: Int
        }
        struct Slot: Encodable {
            var slot: String
            var bytes: Int?
            var capacity: Int
        }
        var firmware: String
        var dialect: String
        var profile: String
        var wifi: String
        var address: String
        var sockets: [Socket]
        var slots: [Slot]
    }

    var json: String {
        JSONText.encode(
            JSONForm(
                firmware: version, dialect: dialect, profile: profile, wifi: wifiState, address: address,
                sockets: sockets.map { JSONForm.Socket(id: $0.id, pending: $0.pending) },
                slots: slots.map { JSONForm.Slot(slot: $0.slot, bytes: $0.bytes, capacity: $0.capacity) }))
    }
}
