import ATCodec
import Foundation
import UplinkModule

/// libFuzzer entry point for the module's configuration readers: the saved configuration in flash
/// (``ModuleConfiguration/restore(from:)``), `AT+S.SCFG`'s checks (``ModuleConfiguration/set(_:to:in:)``) and the
/// `--networks` file (``WiFiNetwork/decode(_:)``).
///
/// Every input must restore or throw; what restores must be stable: its saved form restores to the same
/// configuration, and restoring it twice changes nothing. Each `key=value` line is also set through SCFG in
/// the dialect of one profile: refused with an AT error, or stored so that the saved form keeps it. A networks file that
/// decodes must hold SSIDs of 1 to 32 bytes and survive JSON encoding. A violation traps so libFuzzer records
/// the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkRestore(bytes)
    checkSet(bytes)
    checkNetworks(bytes)
    return 0
}

private func factory(_ profile: ModuleProfile) -> ModuleConfiguration {
    ModuleConfiguration(profile: profile, serial: "0123456789", macAddress: "02:55:00:00:00:01")
}

private func checkRestore(_ bytes: [UInt8]) {
    // One profile an input (restoring is slow under the sanitizer: keep the rate up).
    let profile = ModuleProfile.all[bytes.count % ModuleProfile.all.count]
    do {
        var configuration = factory(profile)
        do {
            try configuration.restore(from: bytes)
        } catch {
            check(error == .notUTF8 || error == .badHeader, "\(error)")
            return
        }
        let saved = configuration.serialized()
        var again = factory(profile)
        do { try again.restore(from: saved) } catch { preconditionFailure("its own saved form is refused: \(error)") }
        check(again == configuration, "a restored configuration does not survive its saved form")
        var twice = configuration
        try? twice.restore(from: bytes)
        check(twice == configuration, "restoring twice changed the configuration")
    }
}

private func checkSet(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n").prefix(4) {
        guard let equals = line.firstIndex(of: "=") else { continue }
        let name = String(line[..<equals])
        let value = String(line[line.index(after: equals)...])
        let profile = value.utf8.count % 2 == 0 ? ModuleProfile.spwf01 : .spwf04
        do {
            var configuration = factory(profile)
            do {
                try configuration.set(name, to: value, in: profile.dialect.family)
            } catch {
                check(!error.text.isEmpty && error.code != 0, "an SCFG refusal without a catalogue error")
                continue
            }
            var restored = factory(profile)
            do { try restored.restore(from: configuration.serialized()) } catch {
                preconditionFailure("the saved form after SCFG is refused: \(error)")
            }
            check(restored == configuration, "SCFG \(name)=\(value) does not survive the saved form")
        }
    }
}

private func checkNetworks(_ bytes: [UInt8]) {
    guard let networks = try? WiFiNetwork.decode(Data(bytes)) else { return }
    for network in networks {
        check((1...32).contains(network.ssid.utf8.count), "an SSID of \(network.ssid.utf8.count) bytes")
    }
    guard let encoded = try? JSONEncoder().encode(networks), let again = try? WiFiNetwork.decode(encoded),
        again == networks
    else { preconditionFailure("networks do not survive JSON encoding") }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { preconditionFailure(message()) }
}
