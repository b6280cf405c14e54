import ATCodec
import Testing
import UplinkModule

@Suite("Transcripts: general and configuration commands", .timeLimit(.minutes(1)))
struct ConfigurationTranscriptTests {
    @Test("Power-on prints WINDs 1, 13, 0 and 32", arguments: Wire.both)
    func boot(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        #expect(try await host.drain() == "")
    }

    @Test("AT answers OK; AT with an argument is refused", arguments: Wire.both)
    func attention(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("at\r\n")
        try await host.expect(wire.ok)
        try await host.send("AT=1\r")
        try await host.expect(wire.error(3, "Invalid arguments"))
    }

    @Test("GCFG and SCFG: typed, range-checked, per-dialect names", arguments: Wire.both)
    func getAndSet(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.GCFG=wifi_channelnum\r")
        try await host.expect(wire.variable("wifi_channelnum", "6") + wire.ok)
        try await host.send("AT+S.SCFG=wifi_channelnum,11\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.GCFG=WIFI_CHANNELNUM\r")
        try await host.expect(wire.variable("wifi_channelnum", "11") + wire.ok)
        try await host.send("AT+S.SCFG=wifi_channelnum,15\r")
        try await host.expect(wire.error(8, "Invalid value"))
        try await host.send("AT+S.SCFG=wifi_channelnum,x\r")
        try await host.expect(wire.error(8, "Invalid value"))
        try await host.send("AT+S.SCFG=\(wire.isSPWF01 ? "wind_off_low" : "console_wind_off_low"),0x1f\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.GCFG=\(wire.isSPWF01 ? "wind_off_low" : "console_wind_off_low")\r")
        try await host.expect(
            wire.variable(wire.isSPWF01 ? "wind_off_low" : "console_wind_off_low", "0x0000001F") + wire.ok)
        try await host.send("AT+S.SCFG=ip_ipaddr,10.1.2.300\r")
        try await host.expect(wire.error(8, "Invalid value"))
        try await host.send("AT+S.SCFG=nv_model,hacked\r")
        try await host.expect(wire.error(7, "Read-only variable"))
        try await host.send("AT+S.SCFG=no_such_thing,1\r")
        try await host.expect(wire.error(6, "Unknown variable"))
        try await host.send("AT+S.SCFG=wifi_channelnum\r")
        try await host.expect(wire.error(3, "Invalid arguments"))
        // The other dialect's name does not exist here.
        try await host.send("AT+S.GCFG=\(wire.isSPWF01 ? "console_echo" : "localecho1")\r")
        try await host.expect(wire.error(6, "Unknown variable"))
        try await host.send("AT+S.GCFG=nv_model\r")
        try await host.expect(wire.variable("nv_model", wire.profile.model) + wire.ok)
        try await host.send("AT+S.SCFG=wifi_wpa_psk_text,with,commas\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.GCFG=wifi_wpa_psk_text\r")
        try await host.expect(wire.variable("wifi_wpa_psk_text", "with,commas") + wire.ok)
    }

    @Test("AT&F restores factory values; AT&V dumps every variable", arguments: Wire.both)
    func factoryAndDump(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.SCFG=blink_led,0\r")
        try await host.expect(wire.ok)
        try await host.send("AT&F\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.GCFG=blink_led\r")
        try await host.expect(wire.variable("blink_led", "1") + wire.ok)
        try await host.send("AT&V\r")
        let dump = try await host.read(through: wire.ok)
        let lines = dump.split(separator: "\r\n").filter { $0.hasPrefix(wire.isSPWF01 ? "#  " : "AT-S.Var:") }
        let expectedCount = ConfigVariable.catalog.filter { $0.name(in: wire.profile.dialect.family) != nil }.count
        #expect(lines.count == expectedCount)
        #expect(
            dump.hasPrefix(
                wire.isSPWF01 ? "# Dumping All Configuration Keys:\r\n#  nv_manuf = ST\r\n" : "AT-S.Var:nv_manuf=ST\r\n"
            ))
        #expect(dump.contains(wire.variable(wire.echoVariable, "0")))
    }

    @Test("Echo follows localecho1 / console_echo", arguments: Wire.both)
    func echo(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.SCFG=\(wire.echoVariable),1\r")
        try await host.expect(wire.ok)
        try await host.send("AT\r")
        try await host.expect("AT\r" + wire.ok)
        try await host.send("AT+S.SCFG=\(wire.echoVariable),0\r")
        try await host.expect("AT+S.SCFG=\(wire.echoVariable),0\r" + wire.ok)
        try await host.send("AT\r")
        try await host.expect(wire.ok)
    }

    @Test("Reset replays the boot WINDs and drops unsaved changes", arguments: Wire.both)
    func reset(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.SCFG=blink_led,0\r")
        try await host.expect(wire.ok)
        try await host.send(wire.resetCommand + "\r")
        try await host.expect(wire.wind(2, "Reset") + wire.boot)
        try await host.send("AT+S.GCFG=blink_led\r")
        try await host.expect(wire.variable("blink_led", "1") + wire.ok)
        // Each dialect has only its own reset command.
        try await host.send(wire.isSPWF01 ? "AT+S.RESET\r" : "AT+CFUN=1\r")
        try await host.expect(wire.error(1, "Command not found"))
    }

    @Test("AT&W survives a reset; SETTIME moves the clock; STS reads status", arguments: Wire.both)
    func saveClockStatus(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.SCFG=blink_led,0\r")
        try await host.expect(wire.ok)
        try await host.send("AT&W\r")
        try await host.expect(wire.ok)
        try await host.send(wire.resetCommand + "\r")
        try await host.expect(wire.wind(2, "Reset") + wire.boot)
        try await host.send("AT+S.GCFG=blink_led\r")
        try await host.expect(wire.variable("blink_led", "0") + wire.ok)

        try await host.send(wire.isSPWF01 ? "AT+S.SETTIME=1453727657\r" : "AT+S.TIME=1453727657\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.STS=current_time\r")
        let line = try await host.read(through: wire.ok)
        let prefix = wire.isSPWF01 ? "#  current_time = " : "AT-S.Var:current_time="
        #expect(line.hasPrefix(prefix))
        let value = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
        #expect((1_453_727_657...1_453_727_660).contains(value))
        try await host.send("AT+S.STS=ip_ipaddr\r")
        try await host.expect(wire.variable("ip_ipaddr", "0.0.0.0") + wire.ok)
        try await host.send("AT+S.STS=no_such_status\r")
        try await host.expect(wire.error(6, "Unknown variable"))
        try await host.send("AT+S.STS\r")
        let all = try await host.read(through: wire.ok)
        #expect(all.contains(wire.variable("free_heap", "61440")))
        #expect(all.contains(wire.variable("version", wire.profile.buildID)))
    }

    @Test("HELP lists the dialect's commands", arguments: Wire.both)
    func help(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send("AT+S.HELP\r")
        let text = try await host.read(through: wire.ok)
        #expect(text.contains("AT+S.SOCKON -- Open a client socket"))
        #expect(text.contains("AT+CFUN --") == wire.isSPWF01)
        try await host.send("AT+S.HELP=at+s.sockq\r")
        let one = try await host.read(through: wire.ok)
        #expect(one.hasPrefix(wire.isSPWF01 ? "AT+S.SOCKQ -- " : "AT-S.AT+S.SOCKQ -- "))
        try await host.send("AT+S.HELP=AT+S.NOPE\r")
        try await host.expect(wire.error(1, "Command not found"))
    }
}
