import DNSCodec
import Foundation
import UplinkDNS
import UplinkModule

/// Renders a ``ResolverDiagnosis`` for people (aligned, dig-like) or as JSON.
enum DNSReport {
    static func text(
        _ diagnosis: ResolverDiagnosis, hostsFile: [String] = [], module: (device: String, lookup: ModuleLookup)? = nil
    ) -> String {
        var out = ";; \(diagnosis.name) \(diagnosis.type)\n"
        switch diagnosis.answer {
        case .success(let result):
            let rows = (result.chain + result.records).map { record in
                [record.name.description, String(record.ttl), record.type.description, record.data.description]
            }
            out += align(rows)
            out +=
                ";; \(result.records.count) \(diagnosis.type) record(s) after \(result.chain.count) CNAME(s); "
                + "TTL \(result.ttl) s\n"
        case .failure(let error):
            out += ";; does not resolve: \(error)\n"
        }
        out += ";;\n;; servers\n"
        out += align(
            diagnosis.serverOutcomes.map { outcome in
                [
                    ";;   " + ResolverDiagnosis.describe(outcome.server), outcome.answered ? "ANSWERED" : "-",
                    outcome.summary,
                ]
            })
        let from = diagnosis.answeringServer.map { " (from \(ResolverDiagnosis.describe($0)))" } ?? ""
        out += ";;\n;; reply size\(from)\n"
        if diagnosis.measurements.isEmpty {
            out += ";;   not measured: no server gave an answer\n"
        }
        out += align(
            diagnosis.measurements.map { m in
                let size = m.size.map { "\($0) bytes" } ?? "no reply"
                var note: String
                if let failure = m.failure {
                    note = failure
                } else if let code = m.responseCode, code != .NOERROR {
                    note = "\(code)"
                } else if m.truncated {
                    note = "TC set: answer incomplete (\(m.answerCount) records)"
                } else {
                    note = "complete (\(m.answerCount) answer records)"
                }
                if m.failure == nil, m.truncated, m.responseCode != .NOERROR { note += ", TC set" }
                return [";;   " + m.label, size, note]
            })
        out += ";;\n;; module profiles\(from)\n"
        out += align(
            diagnosis.verdicts.map { v in [";;   " + v.profile, v.resolves ? "RESOLVES" : "FAILS", v.explanation] }
                + diagnosis.unchecked.map { [";;   " + $0, "UNCHECKED", "the total wait ran out first"] })
        if let module {
            out += ";;\n;; the module itself (--via)\n"
            out += module.lookup.line(device: module.device)
        }
        if diagnosis.gaveUp {
            let seconds =
                Double(diagnosis.totalWait.components.seconds)
                + Double(diagnosis.totalWait.components.attoseconds) / 1e18
            out += ";;\n;; gave up after \(seconds) s (--total): what is missing above was not checked\n"
        }
        if !hostsFile.isEmpty {
            out += ";;\n;; hosts file: \(diagnosis.name) is \(hostsFile.joined(separator: ", ")) in /etc/hosts\n"
            out += ";;   every module profile resolves it from there, before DNS (the verdicts above are DNS's)\n"
        }
        return out
    }

    static func json(
        _ diagnosis: ResolverDiagnosis, hostsFile: [String] = [], module: (device: String, lookup: ModuleLookup)? = nil
    ) -> String {
        var object: [String: Any] = [
            "hostsFile": hostsFile,
            "name": diagnosis.name, "type": diagnosis.type.description, "resolved": diagnosis.resolved,
            "servers": diagnosis.serverOutcomes.map { outcome -> [String: Any] in
                [
                    "server": "\(outcome.server.ipAddress ?? ""):\(outcome.server.port ?? 53)",
                    "answered": outcome.answered, "summary": outcome.summary,
                ]
            },
            "gaveUp": diagnosis.gaveUp, "unchecked": diagnosis.unchecked,
        ]
        if let server = diagnosis.answeringServer {
            object["answeringServer"] = "\(server.ipAddress ?? ""):\(server.port ?? 53)"
        }
        switch diagnosis.answer {
        case .success(let result):
            object["ttl"] = Int(result.ttl)
            object["chain"] = result.chain.map(record)
            object["records"] = result.records.map(record)
        case .failure(let error):
            object["error"] = error.description
        }
        object["replySizes"] = diagnosis.measurements.map { m -> [String: Any] in
            var entry: [String: Any] = ["transport": m.label, "truncated": m.truncated, "answerRecords": m.answerCount]
            if let size = m.size { entry["bytes"] = size }
            if let failure = m.failure { entry["error"] = failure }
            if let code = m.responseCode { entry["rcode"] = code.description }
            return entry
        }
        if let module {
            var entry: [String: Any] = ["device": module.device, "resolves": module.lookup.resolves]
            switch module.lookup {
            case .resolves: break
            case .fails(let error): entry["error"] = error
            case .notAsked(let reason): entry["notAsked"] = reason
            }
            object["module"] = entry
        }
        object["profiles"] = diagnosis.verdicts.map { v -> [String: Any] in
            ["profile": v.profile, "resolves": v.resolves, "explanation": v.explanation]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func record(_ record: DNSResourceRecord) -> [String: Any] {
        [
            "name": record.name.description, "ttl": Int(record.ttl), "type": record.type.description,
            "data": record.data.description,
        ]
    }

    /// Left-aligned columns, two spaces apart; the last column is not padded.
    private static func align(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
