import ATCodec
import NIOCore

extension ModuleEngine {
    static var commandCatalog: [ATCommandSpec] {
        configurationCommands + wifiCommands + socketCommands + tlsCommands + dataModeCommands
            + serverSocketCommands + fileCommands + httpCommands
            + mqttClientCommands
    }

    static let configurationCommands: [ATCommandSpec] = [
        ATCommandSpec("AT", "Attention (does nothing, answers OK)") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.HELP", "List the commands, or describe one") { engine, line throws(ATError) in
            let specs = engine.commands.values.sorted { $0.name < $1.name }
            if let wanted = line.argument, !wanted.isEmpty {
                guard let spec = engine.commands[wanted.uppercased()] else { throw .commandNotFound }
                engine.emit(engine.dialect.information("\(spec.name) -- \(spec.summary)"))
            } else {
                for spec in specs {
                    engine.emit(engine.dialect.information("\(spec.name) -- \(spec.summary)"))
                }
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+CFUN", [.spwf01], "Reset the module (=0 or =1)") { engine, line throws(ATError) in
            _ = try engine.integer(try engine.requireFields(line, count: 1)[0], in: 0...1)
            return .reset
        },
        ATCommandSpec("AT+S.RESET", [.spwf04], "Reset the module") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            return .reset
        },
        ATCommandSpec("AT&F", "Restore the factory configuration (in RAM; AT&W saves it)") {
            engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            engine.restoreFactoryConfiguration()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.FCFG", [.spwf04], "Restore the factory configuration") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            engine.restoreFactoryConfiguration()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT&W", "Save the configuration to flash") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            try engine.saveConfiguration()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.WCFG", [.spwf04], "Save the configuration to flash") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            try engine.saveConfiguration()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT&V", "Show every configuration variable") { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            engine.dumpConfiguration()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.GCFG", "Show one configuration variable (all without a name)") {
            engine, line throws(ATError) in
            guard let name = line.argument, !name.isEmpty else {
                engine.dumpConfiguration()
                engine.emitOK()
                return .done
            }
            let family = engine.dialect.family
            guard let variable = ModuleConfiguration.variable(named: name, in: family),
                let shown = variable.name(in: family)
            else { throw .unknownVariable }
            engine.emit(engine.dialect.variable(shown, engine.config[variable.key]))
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.SCFG", "Set a configuration variable: <name>,<value>") { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            try engine.config.set(String(parts[0]), to: String(parts[1]), in: engine.dialect.family)
            engine.refreshEcho()
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.STS", "Show the status variables, or one of them") { engine, line throws(ATError) in
            let status = engine.statusVariables()
            if let name = line.argument, !name.isEmpty {
                guard let entry = status.first(where: { $0.name == name.lowercased() }) else {
                    throw .unknownVariable
                }
                engine.emit(engine.dialect.variable(entry.name, entry.value))
            } else {
                engine.emit(engine.dialect.dumpHeading("Dumping All Status Variables:"))
                for entry in status {
                    engine.emit(engine.dialect.variable(entry.name, entry.value))
                }
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.SETTIME", "Set the module clock: <seconds since 1970>") { engine, line throws(ATError) in
            try engine.setClock(try engine.requireFields(line, count: 1)[0])
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.TIME", "Show the module clock, or set it: [<seconds since 1970>]") {
            engine, line throws(ATError) in
            if line.argument != nil {
                try engine.setClock(try engine.requireFields(line, count: 1)[0])
            } else {
                engine.emit(engine.dialect.variable("current_time", String(engine.currentTime)))
            }
            engine.emitOK()
            return .done
        },
    ]

    func restoreFactoryConfiguration() {
        config = ModuleConfiguration(profile: options.profile, serial: options.serial, macAddress: options.macAddress)
        refreshEcho()
    }

    func saveConfiguration() throws(ATError) {
        do {
            try flash.write("config", config.serialized())
        } catch {
            errorDetail = "config: \(error)"
            throw .flashWriteFailed
        }
    }

    func dumpConfiguration() {
        let family = dialect.family
        emit(dialect.dumpHeading("Dumping All Configuration Keys:"))
        for variable in ConfigVariable.catalog {
            guard let name = variable.name(in: family) else { continue }
            emit(dialect.variable(name, config[variable.key]))
        }
    }

    func setClock(_ text: Substring) throws(ATError) {
        let seconds = try integer(text, in: 0...4_294_967_295)
        clockOffset = Int64(seconds) - (currentTime - clockOffset)
    }

    /// The status variables (`AT+S.STS`), computed now.
    func statusVariables() -> [(name: String, value: String)] {
        let uptime = (NIODeadline.now() - bootedAt).nanoseconds / 1_000_000_000
        var address = "0.0.0.0"
        var bssid = "00:00:00:00:00:00"
        var netmask = "0.0.0.0"
        var gateway = "0.0.0.0"
        var channel = config["wifi_channelnum"]
        if case .up(let ip, let network) = radio {
            address = ip.description
            (netmask, gateway) = stationNetwork(address: ip)
            bssid = network.bssid
            channel = String(network.channel)
        }
        let dnsKey = dialect.family == .spwf01 ? "ip_dns" : "ip_dns1"
        let openSockets = sockets.compactMap { $0 }.count
        return [
            ("version", options.profile.buildID),
            ("reset_reason", "0"),
            ("conf_flag", "0"),
            ("system_uptime", String(uptime)),
            ("system_sleeptime", "0"),
            ("gpio_enable", "0"),
            ("captiveportal", "0"),
            ("wifi_state", String(radio.stateCode)),
            ("wifi_bssid", bssid),
            ("wifi_aid", radio.isUp ? "1" : "0"),
            ("wifi_channelnum", channel),
            ("wifi_sup_rate_mask", config["wifi_opr_rate_mask"]),
            ("wifi_bas_rate_mask", config["wifi_bas_rate_mask"]),
            ("wifi_max_tx_power", config["wifi_tx_power"]),
            ("wifi_reg_country", config["wifi_reg_country"]),
            ("wifi_sleeping", "0"),
            ("wifi_num_assoc", radio.isUp ? "1" : "0"),
            ("ip_ipaddr", address),
            ("ip_netmask", netmask),
            ("ip_gw", gateway),
            (dnsKey, config["ip_dns"]),
            ("ip_sock_open", String(openSockets)),
            ("free_heap", String(freeHeap)),
            ("min_heap", String(min(freeHeap, 61_440 - 1024 * sockets.count))),
            ("current_time", String(currentTime)),
        ]
    }
}
