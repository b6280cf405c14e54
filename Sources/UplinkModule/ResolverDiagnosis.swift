import DNSCodec
import NIOCore
import Synchronization
import UplinkDNS

/// Why a name does or does not resolve on each module profile (`uplink dns`): what each server tried
/// answered, the answer, the reply's size four ways, and each profile's verdict from a real lookup with
/// its limits — the sizes and the verdicts both from the one server that answered, named.
///
/// The whole run is bounded by one deadline: a step still running when it passes is cancelled, and the
/// steps not done are listed in ``unchecked``.
public struct ResolverDiagnosis: Sendable {
    /// One way of asking the answering server, and what came back.
    public struct Measurement: Sendable {
        /// `UDP, no EDNS`, `UDP, EDNS 1232`, `TCP, no EDNS`, `TCP, EDNS 1232`.
        public var label: String
        /// The reply's size in bytes, when one came.
        public var size: Int?
        /// Whether the reply had TC set (the answer did not fit).
        public var truncated: Bool
        /// The records in the reply's answer section.
        public var answerCount: Int
        /// The reply's RCODE, when one came.
        public var responseCode: DNSResponseCode?
        /// Why no reply came.
        public var failure: String?
    }

    /// What one server did in the main lookup.
    public struct ServerOutcome: Sendable {
        /// The server.
        public var server: SocketAddress
        /// What it answered, or why not (`timed out (2 tries)`, `SERVFAIL`, `NOERROR, 12 answer records`...).
        public var summary: String
        /// Whether the final answer (NOERROR or NXDOMAIN) came from it.
        public var answered: Bool
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
    /// The servers given, in order.
    public var servers: [SocketAddress]
    /// What each server did in the main lookup, in the order given.
    public var serverOutcomes: [ServerOutcome]
    /// The server whose reply the answer, the sizes and the verdicts come from; nil when none answered.
    public var answeringServer: SocketAddress?
    /// The answer with Uplink's resolver (EDNS, TCP fallback).
    public var answer: Result<DNSLookupResult, DNSResolverError>
    /// The four measurements against ``answeringServer``.
    public var measurements: [Measurement]
    /// One verdict per profile checked.
    public var verdicts: [Verdict]
    /// The profiles not checked because the total wait ran out.
    public var unchecked: [String]
    /// Whether the total wait ran out before every step was done.
    public var gaveUp: Bool
    /// The total wait the run was bounded by.
    public var totalWait: Duration

    /// Whether the name resolved with Uplink's resolver.
    public var resolved: Bool {
        if case .success = answer { return true }
        return false
    }

    /// How the resolver waits, as dig's `+time`, `+tries`, plus a bound on everything.
    public struct Waits: Sendable {
        /// Seconds for one reply (UDP), or connect plus reply (TCP): dig's `+time`.
        public var timeout: TimeAmount
        /// Times each server is asked before the next round gives up: dig's `+tries`.
        public var tries: Int
        /// The bound on the whole run.
        public var total: Duration

        public init(timeout: TimeAmount = .seconds(2), tries: Int = 2, total: Duration = .seconds(15)) {
            self.timeout = timeout
            self.tries = tries
            self.total = total
        }
    }

    /// Runs the lookup against `servers`, then the four measurements and one lookup per profile against the
    /// server that answered, all within `waits.total`.
    public static func run(
        name: String, type: DNSRecordType, servers: [SocketAddress], profiles: [ModuleProfile],
        group: any EventLoopGroup, waits: Waits = Waits()
    ) async -> ResolverDiagnosis {
        let deadline = ContinuousClock.now + waits.total
        var options = DNSResolverOptions(servers: servers)
        options.cacheEnabled = false
        options.timeout = waits.timeout
        options.attempts = max(1, waits.tries)
        let resolver = DNSResolver(options: options, group: group)
        var gaveUp = false

        let report = await within(deadline) { await resolver.lookupReport(name, type: type) }
        let answer: Result<DNSLookupResult, DNSResolverError>
        var outcomes: [ServerOutcome]
        var answering: SocketAddress?
        if let report {
            answer = report.outcome
            answering =
                report.exchanges.last(where: { exchange in
                    let code = exchange.reply.responseCode
                    return (code == .NOERROR || code == .NXDOMAIN) && !exchange.reply.header.isTruncated
                })?.server
            if case .failure(let error) = report.outcome, !error.isNegativeAnswer { answering = nil }
            outcomes = servers.map { summarize($0, report: report, answering: answering) }
        } else {
            gaveUp = true
            answer = .failure(.timeout)
            outcomes = servers.map {
                ServerOutcome(server: $0, summary: "no final answer before the total wait ran out", answered: false)
            }
        }

        var measurements: [Measurement] = []
        if let server = answering, let qname = try? DNSName(name) {
            let ways: [(String, UInt16?, DNSTransportKind)] = [
                ("UDP, no EDNS", nil, .udp), ("UDP, EDNS 1232", 1232, .udp),
                ("TCP, no EDNS", nil, .tcp), ("TCP, EDNS 1232", 1232, .tcp),
            ]
            for (label, edns, transport) in ways {
                let query = DNSMessage.query(
                    id: UInt16.random(in: 0...UInt16.max), name: qname, type: type, ednsPayloadSize: edns)
                let result = await within(deadline) { () -> Result<DNSExchange, DNSResolverError> in
                    do throws(DNSResolverError) {
                        return .success(
                            try await resolver.exchange(
                                query, server: server, transport: transport, timeout: waits.timeout))
                    } catch {
                        return .failure(error)
                    }
                }
                switch result {
                case .success(let exchange):
                    measurements.append(
                        Measurement(
                            label: label, size: exchange.replySize, truncated: exchange.reply.header.isTruncated,
                            answerCount: exchange.reply.answers.count, responseCode: exchange.reply.responseCode,
                            failure: nil))
                case .failure(let error):
                    measurements.append(
                        Measurement(
                            label: label, size: nil, truncated: false, answerCount: 0, responseCode: nil,
                            failure: error.description))
                case nil:
                    gaveUp = true
                    measurements.append(
                        Measurement(
                            label: label, size: nil, truncated: false, answerCount: 0, responseCode: nil,
                            failure: "not measured: the total wait ran out"))
                }
            }
        }

        var verdicts: [Verdict] = []
        var unchecked: [String] = []
        for profile in profiles {
            guard let server = answering else {
                if report == nil {
                    unchecked.append(profile.name)
                } else {
                    verdicts.append(
                        Verdict(
                            profile: profile.name, resolves: false,
                            explanation: "no server gave an answer to check it against (\(failureText(answer)))"))
                }
                continue
            }
            var limited = options
            limited.servers = [server]
            limited.ednsPayloadSize = profile.dns.ednsPayloadSize
            limited.tcpFallback = profile.dns.tcpFallback
            limited.maximumUDPReplySize = profile.dns.maximumReplySize
            limited.maximumNameLength = profile.dns.maximumNameLength
            let profileResolver = DNSResolver(options: limited, group: group)
            guard let outcome = await within(deadline, { await profileResolver.lookupReport(name, type: type) })
            else {
                gaveUp = true
                unchecked.append(profile.name)
                continue
            }
            verdicts.append(verdict(profile: profile, report: outcome, server: server, measurements: measurements))
        }
        return ResolverDiagnosis(
            name: name, type: type, servers: servers, serverOutcomes: outcomes, answeringServer: answering,
            answer: answer, measurements: measurements, verdicts: verdicts, unchecked: unchecked, gaveUp: gaveUp,
            totalWait: waits.total)
    }

    /// `IP#PORT`, as dig writes a server.
    public static func describe(_ server: SocketAddress) -> String {
        "\(server.ipAddress ?? "?")#\(server.port ?? 53)"
    }

    /// Runs `body`, or gives up at `deadline`: nil then, at the deadline even if `body` does not stop when it is
    /// cancelled (an abandoned `body` runs on, cancelled, and its result is dropped).
    public static func within<T: Sendable>(
        _ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async -> T
    ) async -> T? {
        guard ContinuousClock.now < deadline else { return nil }
        let once = ResumeOnce<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                once.set(continuation)
                let timer = Task {
                    // Cancelled when `body` is done: then it must not give up.
                    guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                    once.resume(nil)
                }
                let work = Task {
                    let value = await body()
                    timer.cancel()
                    once.resume(value)
                }
                once.onGiveUp { work.cancel() }
            }
        } onCancel: {
            once.resume(nil)
        }
    }

    private static func failureText(_ answer: Result<DNSLookupResult, DNSResolverError>) -> String {
        if case .failure(let error) = answer { return error.description }
        return "resolved"
    }

    /// What `server` did in the main lookup: its last reply, else its failed tries, else not asked.
    private static func summarize(_ server: SocketAddress, report: DNSLookupReport, answering: SocketAddress?)
        -> ServerOutcome
    {
        let exchanges = report.exchanges.filter { $0.server == server }
        let failures = report.failures.filter { $0.server == server && !isRCodeFailure($0.error) }
        var parts: [String] = []
        if !failures.isEmpty {
            var counts: [(String, Int)] = []
            for failure in failures {
                let text = "\(failure.transport): \(failure.error)"
                if let index = counts.firstIndex(where: { $0.0 == text }) {
                    counts[index].1 += 1
                } else {
                    counts.append((text, 1))
                }
            }
            parts += counts.map { $0.1 > 1 ? "\($0.0) (\($0.1) tries)" : $0.0 }
        }
        if let last = exchanges.last {
            let code = last.reply.responseCode
            var text = "\(last.transport): \(code), \(last.replySize) bytes"
            if code == .NOERROR { text += ", \(last.reply.answers.count) answer records" }
            if last.reply.header.isTruncated { text += ", TC set" }
            let others = exchanges.dropLast().filter { $0.reply.responseCode != code }.map {
                "\($0.transport): \($0.reply.responseCode)"
            }
            parts = others + parts + [text]
        }
        if parts.isEmpty { parts = ["not asked: an earlier server answered"] }
        return ServerOutcome(server: server, summary: parts.joined(separator: "; "), answered: server == answering)
    }

    private static func isRCodeFailure(_ error: DNSResolverError) -> Bool {
        switch error {
        case .serverFailure, .refused, .unexpectedResponseCode: return true
        default: return false
        }
    }

    private static func verdict(
        profile: ModuleProfile, report: DNSLookupReport, server: SocketAddress, measurements: [Measurement]
    ) -> Verdict {
        let limits = profile.dns
        switch report.outcome {
        case .success(let result):
            let last = result.exchanges.last
            let size = last?.replySize ?? 0
            let edns = last?.query.edns.map { "EDNS \($0.udpPayloadSize)" } ?? "no EDNS"
            let how: String
            if last?.transport == .tcp {
                how = "over TCP after a truncated UDP reply (TCP, \(edns): \(size) bytes)"
            } else if limits.ednsPayloadSize != nil {
                how = "in one UDP round trip per query (UDP, \(edns): \(size) bytes)"
            } else {
                how = "in one UDP reply (UDP, \(edns): \(size) bytes)"
            }
            return Verdict(profile: profile.name, resolves: true, explanation: "resolves it \(how)")
        case .failure(let error):
            let failure = "ERROR: Failed to resolve name"
            let explanation: String
            switch error {
            case .replyTooLarge(let size, let limit) where size > limit:
                explanation = "UDP, no EDNS: \(size) bytes; a resolver limited to \(limit) bytes fails (\(failure))"
            case .replyTooLarge(let size, let limit):
                let whole =
                    measurements.first(where: { $0.label == "TCP, no EDNS" && $0.size != nil })?.size.map {
                        "the whole reply (TCP, no EDNS: \($0) bytes)"
                    } ?? "the whole reply"
                explanation =
                    "\(whole) does not fit a UDP reply without EDNS (TC set, \(size) bytes), there is no TCP"
                    + " fallback and at most \(limit) bytes would be taken anyway (\(failure))"
            case .nameTooLong(let length, let limit):
                explanation = "\(length)-character name: over its \(limit)-character limit (\(failure))"
            default:
                explanation = "fails: \(error)"
            }
            return Verdict(profile: profile.name, resolves: false, explanation: explanation)
        }
    }
}

/// Resumes a continuation once, with the first value given; the others are dropped. A value of nil (giving up)
/// runs the give-up action (cancelling the abandoned work).
private final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T?, Never>?
        var done = false
        var early: T??
        var giveUp: (@Sendable () -> Void)?
        var gaveUp = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T?, Never>) {
        let early = state.withLock { state -> T?? in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func onGiveUp(_ action: @escaping @Sendable () -> Void) {
        let run = state.withLock { state -> Bool in
            state.giveUp = action
            return state.gaveUp
        }
        if run { action() }
    }

    func resume(_ value: T?) {
        let (continuation, giveUp) = state.withLock {
            state -> (CheckedContinuation<T?, Never>?, (@Sendable () -> Void)?) in
            guard !state.done, state.early == nil else { return (nil, nil) }
            if value == nil { state.gaveUp = true }
            guard let continuation = state.continuation else {
                state.early = .some(value)
                return (nil, value == nil ? state.giveUp : nil)
            }
            state.done = true
            state.continuation = nil
            return (continuation, value == nil ? state.giveUp : nil)
        }
        continuation?.resume(returning: value)
        giveUp?()
    }
}
