import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkDNS
import UplinkDriver
import UplinkModule
import UplinkModuleServer
import UplinkTestSupport

/// `uplink dns` with several servers, through the forwarders real Wi-Fi modules sit behind (dnsmasq, unbound),
/// each started by the test on loopback with the test's NSD as its only upstream.
@Suite("uplink dns: several servers, real forwarders, bounded waits", .serialized, .timeLimit(.minutes(3)))
struct DNSServersTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    /// A loopback UDP port nobody listens on: the kernel answers port unreachable at once.
    func closedServer() throws -> SocketAddress {
        try SocketAddress(ipAddress: "127.0.0.1", port: TestPorts.free())
    }

    func size(_ diagnosis: ResolverDiagnosis, _ label: String) -> Int? {
        diagnosis.measurements.first { $0.label == label }?.size
    }

    func verdict(_ diagnosis: ResolverDiagnosis, _ profile: ModuleProfile) throws -> ResolverDiagnosis.Verdict {
        try #require(diagnosis.verdicts.first { $0.profile == profile.name })
    }

    /// Runs `body` with NSD (the sized zone), a dnsmasq and an unbound in front of it, and stops them all.
    func withForwarders(
        _ body: (NSDServer, DNSForwarder, DNSForwarder) async throws -> Void
    ) async throws {
        try await withNSD(zoneText: SizedZone.text, group: Self.group) { nsd in
            let dnsmasq = try await DNSForwarder.start(.dnsmasq(), upstream: nsd, group: Self.group)
            let unbound: DNSForwarder
            do {
                unbound = try await DNSForwarder.start(.unbound(), upstream: nsd, group: Self.group)
            } catch {
                await dnsmasq.stop()
                throw error
            }
            do {
                try await body(nsd, dnsmasq, unbound)
            } catch {
                await dnsmasq.stop()
                await unbound.stop()
                throw error
            }
            await dnsmasq.stop()
            await unbound.stop()
        }
    }

    @Test("a dead first server: each server reported, sizes and verdicts from the one that answered")
    func deadFirstServer() async throws {
        try await withForwarders { _, dnsmasq, _ in
            let dead = try closedServer()
            let diagnosis = await ResolverDiagnosis.run(
                name: SeedZone.seedName, type: .A, servers: [dead, dnsmasq.address], profiles: ModuleProfile.all,
                group: Self.group, waits: .init(timeout: .seconds(2), tries: 2, total: .seconds(30)))
            #expect(diagnosis.resolved)
            #expect(diagnosis.answeringServer == dnsmasq.address)
            #expect(diagnosis.serverOutcomes.count == 2)
            #expect(!diagnosis.serverOutcomes[0].answered)
            #expect(diagnosis.serverOutcomes[0].summary.contains("network error"), "\(diagnosis.serverOutcomes[0])")
            #expect(diagnosis.serverOutcomes[1].answered)
            #expect(diagnosis.serverOutcomes[1].summary.contains("NOERROR"))
            // Every size is dnsmasq's: no "no reply" row for the dead server.
            #expect(diagnosis.measurements.count == 4)
            #expect(diagnosis.measurements.allSatisfy { $0.size != nil && $0.failure == nil })
            let noEDNS = try #require(size(diagnosis, "UDP, no EDNS"))
            let legacy = try verdict(diagnosis, .spwf01Legacy)
            #expect(!legacy.resolves)
            #expect(legacy.explanation.contains("UDP, no EDNS: \(noEDNS) bytes"), "\(legacy.explanation)")
            let edns = try #require(size(diagnosis, "UDP, EDNS 1232"))
            let fixed = try verdict(diagnosis, .spwf01)
            #expect(fixed.resolves)
            #expect(fixed.explanation.contains("UDP, EDNS 1232: \(edns) bytes"), "\(fixed.explanation)")
        }
    }

    @Test("a SERVFAIL first server (unbound before a broken NSD): reported, and not the source of any figure")
    func servfailFirstServer() async throws {
        try await withForwarders { _, dnsmasq, _ in
            let broken = try await NSDServer.start(zone: SeedZone.origin, zoneText: nil, group: Self.group)
            do {
                let failing = try await DNSForwarder.start(.unbound(), upstream: broken, group: Self.group)
                let diagnosis = await ResolverDiagnosis.run(
                    name: SeedZone.seedName, type: .A, servers: [failing.address, dnsmasq.address],
                    profiles: ModuleProfile.all, group: Self.group,
                    waits: .init(timeout: .seconds(2), tries: 1, total: .seconds(30)))
                await failing.stop()
                #expect(diagnosis.resolved)
                #expect(diagnosis.serverOutcomes[0].summary.contains("SERVFAIL"), "\(diagnosis.serverOutcomes[0])")
                #expect(!diagnosis.serverOutcomes[0].answered)
                #expect(diagnosis.answeringServer == dnsmasq.address)
                #expect(diagnosis.measurements.allSatisfy { $0.responseCode == .NOERROR })
                let noEDNS = try #require(size(diagnosis, "UDP, no EDNS"))
                #expect(noEDNS > 65)
                let legacy = try verdict(diagnosis, .spwf01Legacy)
                #expect(legacy.explanation.contains("UDP, no EDNS: \(noEDNS) bytes"), "\(legacy.explanation)")
            } catch {
                await broken.stop()
                throw error
            }
            await broken.stop()
        }
    }

    @Test("a silent first server: timed out, reported; the second answers")
    func silentFirstServer() async throws {
        try await withForwarders { _, _, unbound in
            let silent = try SilentUDPServer()
            let silentAddress = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
            let diagnosis = await ResolverDiagnosis.run(
                name: SeedZone.seedName, type: .A, servers: [silentAddress, unbound.address],
                profiles: [.spwf01Legacy], group: Self.group,
                waits: .init(timeout: .milliseconds(300), tries: 1, total: .seconds(30)))
            #expect(diagnosis.resolved)
            #expect(diagnosis.serverOutcomes[0].summary.contains("timed out"), "\(diagnosis.serverOutcomes[0])")
            #expect(diagnosis.answeringServer == unbound.address)
            let noEDNS = try #require(size(diagnosis, "UDP, no EDNS"))
            let legacy = try verdict(diagnosis, .spwf01Legacy)
            #expect(legacy.explanation.contains("\(noEDNS) bytes"), "\(legacy.explanation)")
            withExtendedLifetime(silent) {}
        }
    }

    @Test(
        "spwf01-3.5 through dnsmasq and unbound: a 300-byte reply resolves, a 301-byte one fails",
        arguments: ["dnsmasq", "unbound"])
    func boundary(forwarderName: String) async throws {
        try await withForwarders { _, dnsmasq, unbound in
            let forwarder = forwarderName == "dnsmasq" ? dnsmasq : unbound
            // Each bNNN name adds exactly NNN bytes to a fixed overhead: measure it once.
            let probe = await ResolverDiagnosis.run(
                name: SizedZone.name(200), type: .TXT, servers: [forwarder.address], profiles: [],
                group: Self.group)
            let overhead = try #require(size(probe, "UDP, no EDNS")) - 200
            for (target, resolves) in [(300, true), (301, false)] {
                let length = target - overhead
                try #require(SizedZone.range.contains(length), "overhead \(overhead)")
                let diagnosis = await ResolverDiagnosis.run(
                    name: SizedZone.name(length), type: .TXT, servers: [forwarder.address],
                    profiles: [.spwf01Legacy], group: Self.group)
                #expect(size(diagnosis, "UDP, no EDNS") == target)
                let legacy = try verdict(diagnosis, .spwf01Legacy)
                #expect(legacy.resolves == resolves, "\(forwarderName) \(target): \(legacy.explanation)")
                #expect(legacy.explanation.contains("\(target) bytes"), "\(legacy.explanation)")
            }
        }
    }

    @Test("the whole run is bounded by its total wait, whatever the per-try timeout and tries")
    func totalWaitBound() async throws {
        let silent = try SilentUDPServer()
        let silentAddress = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
        let started = ContinuousClock.now
        // Unbounded this would take 3 tries × 20 s, and as much again for the profiles.
        let diagnosis = await ResolverDiagnosis.run(
            name: SeedZone.seedName, type: .A, servers: [silentAddress], profiles: ModuleProfile.all,
            group: Self.group, waits: .init(timeout: .seconds(20), tries: 3, total: .milliseconds(500)))
        let elapsed = ContinuousClock.now - started
        #expect(diagnosis.gaveUp)
        #expect(!diagnosis.resolved)
        #expect(diagnosis.unchecked.count == 3)
        // The margin is for a loaded runner; without the bound it takes 60 s and more.
        #expect(elapsed < .seconds(30), "bound 0.5 s, took \(elapsed)")
        withExtendedLifetime(silent) {}
    }

    @Test("uplink dns: exit codes, a failing --profile, the bound said in the output, values range-checked")
    func commandLine() async throws {
        try await withForwarders { _, dnsmasq, _ in
            let server = "127.0.0.1:\(dnsmasq.port)"
            let legacy = try await UplinkExecutable.run(
                ["dns", SeedZone.seedName, "--server", server, "--profile", "spwf01-3.5"])
            #expect(legacy.status == 3, "\(legacy.output)")
            #expect(legacy.output.contains("FAILS"))
            let fixed = try await UplinkExecutable.run(
                ["dns", SeedZone.seedName, "--server", server, "--profile", "spwf01"])
            #expect(fixed.status == 0, "\(fixed.output)")
            // Both TCP rows, named.
            #expect(fixed.output.contains(";;   TCP, no EDNS"), "\(fixed.output)")
            #expect(fixed.output.contains(";;   TCP, EDNS 1232"), "\(fixed.output)")
            #expect(fixed.output.contains(";; reply size (from 127.0.0.1#\(dnsmasq.port))"), "\(fixed.output)")

            let silent = try SilentUDPServer()
            let started = ContinuousClock.now
            let gaveUp = try await UplinkExecutable.run(
                [
                    "dns", SeedZone.seedName, "--server", "127.0.0.1:\(silent.port)", "--timeout", "20", "--tries",
                    "3", "--total", "1",
                ], timeout: 120)
            let elapsed = ContinuousClock.now - started
            withExtendedLifetime(silent) {}
            #expect(gaveUp.status == 1, "\(gaveUp.output)")
            #expect(gaveUp.output.contains("gave up after 1.0 s (--total)"), "\(gaveUp.output)")
            // 1 s bound; the margin is for starting the process on a busy runner. Unbounded: 60 s and more.
            #expect(elapsed < .seconds(30), "took \(elapsed)")

            for (option, value) in [
                ("--timeout", "inf"), ("--timeout", "nan"), ("--timeout", "1e20"), ("--timeout", "-1"),
                ("--timeout", "0"), ("--tries", "0"), ("--tries", "1e20"), ("--tries", "99999999999999999999"),
                ("--total", "inf"), ("--total", "nan"), ("--total", "1e20"), ("--total", "-5"),
            ] {
                let bad = try await UplinkExecutable.run(
                    ["dns", SeedZone.seedName, "--server", server, option, value], timeout: 30)
                #expect(bad.status == 64, "\(option) \(value): \(String(describing: bad.status)) \(bad.output)")
            }
        }
    }

    @Test(
        "uplink dns --via: the module's own answer beside the verdicts",
        arguments: [ModuleProfile.spwf01, .spwf01Legacy])
    func via(profile: ModuleProfile) async throws {
        try await withForwarders { _, dnsmasq, _ in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var options = ModuleOptions(profile: profile)
            options.step = .milliseconds(1)
            options.dhcpAddress = IPv4Address(10, 0, 0, 2)
            options.dnsServers = [dnsmasq.address]
            let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
            let server = try await ModuleServer.start(
                engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
            do {
                let path = try #require(server.devicePath)
                try await Task.sleep(for: .milliseconds(20))
                let driver = try await ModuleDriver.open(path: path)
                _ = try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")
                await driver.close()
                let run = try await UplinkExecutable.run(
                    ["dns", SeedZone.seedName, "--server", "127.0.0.1:\(dnsmasq.port)", "--via", path], timeout: 90)
                #expect(run.output.contains(";; the module itself (--via)"), "\(run.output)")
                if profile == .spwf01 {
                    #expect(run.status == 0, "\(run.output)")
                    #expect(run.output.contains("\(path)  RESOLVES"), "\(run.output)")
                } else {
                    // DNS resolves it; the legacy module does not: exit 4, with the module's own error.
                    #expect(run.status == 4, "\(run.output)")
                    #expect(
                        run.output.contains("\(path)  FAILS     the module answered ERROR: Failed to resolve name"),
                        "\(run.output)")
                }
            } catch {
                await server.stop()
                try? await group.shutdownGracefully()
                throw error
            }
            await server.stop()
            try? await group.shutdownGracefully()
        }
    }

    @Test("the module's resolver: a dead first server costs its timeout once, not at every lookup")
    func moduleRemembersDeadServer() async throws {
        let silent = try SilentUDPServer()
        try await withNSD(group: Self.group) { nsd in
            let resolver = ModuleHostResolver(
                limits: ModuleProfile.spwf01.dns,
                servers: [try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), nsd.address],
                group: Self.group, hostsPath: nil)
            let loop = Self.group.next()
            let first = ContinuousClock.now
            let addresses = try await resolver.resolveIPv4(SeedZone.seedName, on: loop).get()
            let firstTook = ContinuousClock.now - first
            #expect(addresses.count == 16)
            // The module's own deadline: 2 s for the silent server, then the second answers.
            #expect(firstTook >= .milliseconds(1900), "\(firstTook)")
            // Cached answers would hide it: ask another name of the zone.
            let second = ContinuousClock.now
            _ = try await resolver.resolveIPv4(SeedZone.longName, on: loop).get()
            let secondTook = ContinuousClock.now - second
            #expect(secondTook < .milliseconds(1500), "the silent server was asked again first: \(secondTook)")
        }
        withExtendedLifetime(silent) {}
    }
}
