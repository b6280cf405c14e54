import ATCodec
import UplinkDriver

/// `uplink dns NAME --via DEV`: the module's own answer, asked through the host driver.
///
/// The module is asked to open a **UDP** socket to `NAME` on port 9 (discard) and the socket is closed at once.
/// A UDP socket sends nothing until something is written, so the only traffic is the module's DNS lookup — the
/// thing under test. (SPWF01 has no lookup-only command; `AT+S.PING` would send ICMP, and a TCP SOCKON a SYN.)
/// The module must be on Wi-Fi already: the command does not join (that would change its saved configuration).
enum ModuleLookup: Sendable {
    /// The module resolved the name (it opened the socket).
    case resolves
    /// The module said `Failed to resolve name` (or another error for the SOCKON).
    case fails(String)
    /// The module could not be asked (port, Wi-Fi down, no answer).
    case notAsked(String)

    /// Asks the module on `path`. Bounded by the driver's deadlines (SOCKON 45 s) and by the caller's total wait.
    static func ask(path: String, baud: Int, name: String) async -> ModuleLookup {
        let driver: ModuleDriver
        do {
            driver = try await ModuleDriver.open(path: path, baud: baud)
        } catch {
            return .notAsked("\(error)")
        }
        let outcome: ModuleLookup
        do {
            let id = try await driver.openSocket(host: name, port: 9, kind: .udp)
            try? await driver.closeSocket(id)
            outcome = .resolves
        } catch let error as ModuleDriverError {
            switch error.moduleError {
            case ATError.failedToResolve?:
                outcome = .fails("ERROR: \(ATError.failedToResolve.text)")
            case ATError.wifiNotConnected?:
                outcome = .notAsked("its Wi-Fi is not up (join it first, e.g. with the host driver or AT+S.SSIDTXT)")
            case let moduleError?:
                outcome = .fails("ERROR: \(moduleError.text)")
            case nil:
                outcome = .notAsked("\(error)")
            }
        } catch {
            outcome = .notAsked("\(error)")
        }
        await driver.close()
        return outcome
    }

    /// One report line.
    func line(device: String) -> String {
        switch self {
        case .resolves:
            return ";;   \(device)  RESOLVES  the module opened a UDP socket to the name (nothing sent; closed)\n"
        case .fails(let error):
            return ";;   \(device)  FAILS     the module answered \(error)\n"
        case .notAsked(let reason):
            return ";;   \(device)  NOT ASKED \(reason)\n"
        }
    }

    var resolves: Bool {
        if case .resolves = self { return true }
        return false
    }
}
