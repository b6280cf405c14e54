import DNSCodec
import NIOCore
import UplinkDNS

/// Why a name does or does not resolve on each module profile: the answer, the reply's size over
/// UDP without EDNS, with EDNS and over TCP, and each profile's verdict from a real lookup with its
/// limits (`uplink dns`).
public struct ResolverDiagnosis: Sendable {
    /// One way of asking the first server, and what came back.
    public struct Measurement: Sendable {
        /// `UDP, no EDNS`, `UDP, EDNS 1232`, `TCP`.
        public var label: String
        /// The reply's size in bytes, when one came.
        public var size: Int?
        /// Whether the reply had TC set (the answer did not fit).
        public var truncated: Bool
        /// The records in the reply's answer section.
        public var answerCount: Int
        /// Why no reply came.
        public var failure: String?
    }

    /// One profile's outcome.
    public struct Verdict: Sendable {
        /// The profile's name.
        public var profile: String
        /// Whether the name resolved with the profile's resolver.
        public var resolves: Bool
        /// One sentence saying why.
        public var explanation: String
    }

    /// The name asked.
    public var name: String
    /// The record type asked.
    public var type: DNSRecordType
    /// The servers asked.
    public var servers: [SocketAddress]
    /// The answer with Uplink's resolver (EDNS, TCP fallback).
    public var answer: Result<DNSLookupResult, DNSResolverError>
    /// The three measurements against the first server.
    public var measurements: [Measurement]
    /// One verdict per profile.
    public var verdicts: [Verdict]

    /// Whether the name resolved with Uplink's resolver.
    public var resolved: Bool {
        if case .success = answer { return true }
        return false
    }

    /// Runs the lookup, the three measurements and one lookup per profile.
    public static func run(
        name: String, type: DNSRecordType, servers: [SocketAddress], profiles: [ModuleProfile],
        group: any EventLoopGroup, timeout: TimeAmount = .seconds(2)
    ) async -> ResolverDiagnosis {
        var options = DNSResolverOptions(servers: servers)
        options.cacheEnabled = false
        options.timeout = timeout
        let resolver = DNSResolver(options: options, group: group)
        let answer = await resolver.lookupReport(name, type: type).outcome

        var measurements: [Measurement] = []
        if let server = servers.first, let qname = try? DNSName(name) {
            let ways: [(String, UInt16?, DNSTransportKind)] = [
                ("UDP, no EDNS", nil, .udp), ("UDP, EDNS 1232", 1232, .udp), ("TCP", nil, .tcp),
            ]
            for (label, edns, transport) in ways {
                let query = DNSMessage.query(
                    id: UInt16.random(in: 0...UInt16.max), name: qname, type: type, ednsPayloadSize: edns)
                do {
                    let exchange = try await resolver.exchange(
                        query, server: server, transport: transport, timeout: timeout)
                    measurements.append(
                        Measurement(
                            label: label, size: exchange.replySize, truncated: exchange.reply.header.isTruncated,
                            answerCount: exchange.reply.answers.count, failure: nil))
                } catch {
                    measurements.append(
                        Measurement(
                            label: label, size: nil, truncated: false, answerCount: 0, failure: error.description))
                }
            }
        }

        var verdicts: [Verdict] = []
        for profile in profiles {
            var limited = options
            limited.ednsPayloadSize = profile.dns.ednsPayloadSize
            limited.tcpFallback = profile.dns.tcpFallback
            limited.maximumUDPReplySize = profile.dns.maximumReplySize
            limited.maximumNameLength = profile.dns.maximumNameLength
            let outcome = await DNSResolver(options: limited, group: group).lookupReport(name, type: type).outcome
            verdicts.append(verdict(profile: profile, outcome: outcome, measurements: measurements))
        }
        return ResolverDiagnosis(
            name: name, type: type, servers: servers, answer: answer, measurements: measurements, verdicts: verdicts)
    }

    private static func verdict(
        profile: ModuleProfile, outcome: Result<DNSLookupResult, DNSResolverError>, measurements: [Measurement]
    ) -> Verdict {
        let limits = profile.dns
        switch outcome {
        case .success(let result):
            let usedTCP = result.exchanges.contains { $0.transport == .tcp }
            let size = result.exchanges.last?.replySize ?? 0
            let how: String
            if usedTCP {
                how = "over TCP after a truncated UDP reply (\(size) bytes)"
            } else if limits.ednsPayloadSize != nil {
                how = "via EDNS in one UDP round trip per query (\(size)-byte reply)"
            } else {
                how = "in one UDP reply of \(size) bytes"
            }
            return Verdict(profile: profile.name, resolves: true, explanation: "resolves it \(how)")
        case .failure(let error):
            let failure = "ERROR: Failed to resolve name"
            let fullSize = measurements.last(where: { $0.size != nil && !$0.truncated })?.size
            let explanation: String
            switch error {
            case .replyTooLarge(let size, let limit) where size > limit:
                explanation = "\(size)-byte reply: a resolver limited to \(limit) bytes fails (\(failure))"
            case .replyTooLarge(_, let limit):
                let whole = fullSize.map { "the \($0)-byte reply" } ?? "the reply"
                explanation =
                    "\(whole) does not fit a UDP reply without EDNS (TC set), there is no TCP fallback"
                    + " and at most \(limit) bytes would be taken anyway (\(failure))"
            case .nameTooLong(let length, let limit):
                explanation = "\(length)-character name: over its \(limit)-character limit (\(failure))"
            default:
                explanation = "fails: \(error)"
            }
            return Verdict(profile: profile.name, resolves: false, explanation: explanation)
        }
    }
}
