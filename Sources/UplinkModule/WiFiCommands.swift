import ATCodec
import NIOCore

extension ModuleEngine {
    static let wifiCommands: [ATCommandSpec] = [
        ATCommandSpec("AT+S.SSIDTXT", "Set the SSID as text (1-32 bytes), or show it") { engine, line throws(ATError) in
            if let text = line.argument {
                guard (1...32).contains(text.utf8.count) else { throw .invalidArguments }
                engine.config.setSSID(text)
            } else {
                engine.emit(engine.dialect.variable("ssidtxt", String(decoding: engine.config.ssid, as: UTF8.self)))
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.WIFI", "Turn the radio off (=0) or on (=1)") { engine, line throws(ATError) in
            let on = try engine.integer(try engine.requireFields(line, count: 1)[0], in: 0...1) == 1
            engine.emitOK()
            if on {
                // Powers the radio up, or retries the join after a failure.
                if engine.radio == .off { engine.indicate(32, "WiFi Hardware Started") }
                if engine.radio == .off || engine.radio == .idle { engine.startRadio() }
            } else if engine.radio != .off {
                engine.stopRadio()
            }
            return .done
        },
        ATCommandSpec(
            "AT+S.SCAN",
            "List the networks in range: [<a|p>[,<s|m>[,<filter>]]] (SPWF01) or [<d|s|m>[,<filter>]] (SPWF04)"
        ) { engine, line throws(ATError) in
            let filter = try engine.scanFilter(line)
            let networks = (engine.options.networks ?? []).filter(filter)
            if engine.dialect.family == .spwf04 {
                engine.emit(engine.dialect.information("Parsing Networks:\(networks.count)"))
            }
            for (index, network) in networks.enumerated() {
                engine.emit(engine.dialect.information(ModuleEngine.scanLine(index: index + 1, network)))
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.PEERS", "Show the peers (the access point is peer 0): [<n>[,<variable>]]") {
            engine, line throws(ATError) in
            guard case .up(_, let network) = engine.radio else { throw .noSuchPeer }
            let parts = engine.fields(line, limit: 2)
            if let first = parts.first, try engine.integer(first, in: 0...255) != 0 { throw .noSuchPeer }
            let variables: [(String, String)] = [
                ("link_id", "0"), ("state", "1"), ("addr", network.bssid), ("last_rx", "0"), ("last_tx", "0"),
                ("rx_drops", "0"), ("tx_errs", "0"), ("rx_rssi", String(network.rssi)), ("tx_rate", "65"),
            ]
            if parts.count == 2 {
                guard let entry = variables.first(where: { $0.0 == parts[1].lowercased() }) else {
                    throw .unknownVariable
                }
                engine.emit(engine.dialect.variable("0.\(entry.0)", entry.1))
            } else {
                for (name, value) in variables {
                    engine.emit(engine.dialect.variable("0.\(name)", value))
                }
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec(
            "AT+S.PING", "Ping a host: <host> (SPWF01) or <count>,<size>,<host> (SPWF04)"
        ) { engine, line throws(ATError) in
            var count = 1
            var size = 56
            let host: String
            if engine.dialect.family == .spwf01 {
                host = String(try engine.requireFields(line, count: 1)[0])
            } else {
                let parts = engine.fields(line, limit: 4)
                guard parts.count >= 3 else { throw .invalidArguments }
                count = parts[0].isEmpty ? 1 : try engine.integer(parts[0], in: 1...100)
                size = parts[1].isEmpty ? 56 : try engine.integer(parts[1], in: 0...1472)
                host = String(parts[2])
                if parts.count == 4 && !parts[3].isEmpty && parts[3] != "4" { throw .invalidArguments }
            }
            guard !host.isEmpty, host.utf8.count <= 253 else { throw .invalidArguments }
            guard engine.radio.isUp else { throw .wifiNotConnected }
            // Each echo request waits up to 1 s on its own; the deadline allows for them.
            let effect = PendingEffect(
                timeoutError: .timedOut, timeout: engine.options.effectTimeout + .seconds(Int64(count)))
            return .pending(engine.ping(host: host, count: count, size: size, effect: effect), effect)
        },
    ]

    /// The networks an `AT+S.SCAN` argument selects.
    ///
    /// SPWF01: `[<a|p>[,<s|m|d>[,<filter>]]]` — active or passive scan (the same here), then what the
    /// filter matches: `s` the SSID, `m` the BSSID, `d` nothing; mbed sends `a,s` with no filter, which
    /// lists everything. SPWF04: `[<d|s|m>[,<filter>]]` (ST sends `s,` with an empty filter). A filter
    /// given keeps only the networks whose SSID (exactly) or BSSID (any case) is that text.
    func scanFilter(_ line: ATCommandLine) throws(ATError) -> (WiFiNetwork) -> Bool {
        var parts = fields(line, limit: dialect.family == .spwf01 ? 3 : 2)
        if line.argument == nil { parts = [] }
        if dialect.family == .spwf01, let mode = parts.first {
            guard ["a", "p"].contains(mode.lowercased()) else { throw .invalidArguments }
            parts.removeFirst()
        }
        guard let kind = parts.first?.lowercased() else { return { _ in true } }
        let value = parts.count > 1 ? String(parts[1]) : ""
        switch kind {
        case "d":
            return { _ in true }
        case "s":
            return value.isEmpty ? { _ in true } : { $0.ssid == value }
        case "m":
            let wanted = value.lowercased()
            return value.isEmpty ? { _ in true } : { $0.bssid.lowercased() == wanted }
        default:
            throw .invalidArguments
        }
    }

    /// One `AT+S.SCAN` line, without the dialect's prefix and terminator:
    /// `<n>:\tBSS <mac> CHAN: <cc> RSSI: <dBm> SSID: '<ssid>' CAPS: <4 hex> <security>`.
    ///
    /// The layout is what the drivers parse byte for byte: ST's skips to the TAB after `<n>:`; mbed's
    /// SPWF01 driver skips to the TAB, reads `" %*s %hhx:…:%hhx CHAN: %u RSSI: %hhd SSID: '%255[^']'"`,
    /// then takes the 11 bytes `CAPS: 0431 ` and reads the security as bare words (`WEP`, `WPA`,
    /// `WPA2`, `WPA WPA2`). The space after the CAPS value is there even for an open network (whose
    /// security is empty), because both mbed parsers step over it before they look for a `W`.
    static func scanLine(index: Int, _ network: WiFiNetwork) -> String {
        let capabilities: String
        let security: String
        switch network.security {
        case .open:
            capabilities = "0401"
            security = ""
        case .wep:
            capabilities = "0411"
            security = "WEP"
        case .wpa:
            capabilities = "0411"
            security = "WPA"
        case .wpa2:
            capabilities = "0431"
            security = "WPA2"
        case .wpaWPA2:
            capabilities = "0431"
            security = "WPA WPA2"
        }
        let channel = network.channel < 10 ? "0\(network.channel)" : String(network.channel)
        return "\(index):\tBSS \(network.bssid) CHAN: \(channel) RSSI: \(network.rssi) SSID: '\(network.ssid)'"
            + " CAPS: \(capabilities) \(security)"
    }

    /// Resolves `host`, sends `count` ICMP echo requests and prints one line per reply.
    func ping(host: String, count: Int, size: Int, effect: PendingEffect) -> EventLoopFuture<Void> {
        resolver.resolveIPv4(host, on: eventLoop)
            .flatMapErrorThrowing { _ in throw ATError.failedToResolve }
            .flatMap { addresses in
                guard !effect.isAbandoned, let target = addresses.first else {
                    return self.eventLoop.makeFailedFuture(
                        effect.isAbandoned ? EffectAbandoned() : ATError.failedToResolve)
                }
                return ICMPEcho.ping(target, count: count, size: size, on: self.eventLoop).flatMapThrowing { replies in
                    guard !effect.isAbandoned else { throw EffectAbandoned() }
                    guard !replies.isEmpty else { throw ATError.pingFailed }
                    for reply in replies {
                        let millis = Double(reply.microseconds) / 1000
                        let rounded = (millis * 1000).rounded() / 1000
                        self.emit(
                            self.dialect.information(
                                "Reply from \(target): bytes=\(size) icmp_seq=\(reply.sequence) time=\(rounded) ms"))
                    }
                    self.emitOK()
                }
            }
    }
}
