extension FitAnalysis {
    /// The report for people: the slot table, checks, changes, the plan and a verdict line.
    public var text: String {
        var out = "profile \(profile): \(layout), budget \(budget) bytes, "
        out += layout.allowsChainInCert ? "a chain allowed in cert" : "a single certificate in cert"
        out += layout.isCustom ? " (configured layout)\n\n" : "\n\n"
        out += FitAnalysis.table(slots, budget: budget, showDER: true)

        out += "\nchecks\n"
        var checkTable = TextTable([])
        for check in checks { checkTable.append([check.status.rawValue, check.name, check.detail]) }
        out += checkTable.render(indent: "  ")

        if !changes.isEmpty {
            out += "\nchanges (bytes saved against the material as given)\n"
            var table = TextTable(["change", "saves", "fits alone"], alignments: [.left, .right, .left])
            for change in changes {
                table.append([
                    change.title, change.kind == .slotLayout ? "-" : "\(change.bytesSaved)",
                    change.fitsAlone ? "yes" : "no",
                ])
            }
            out += table.render(indent: "  ")
            for change in changes {
                out += "  - \(change.title): \(change.detail)"
                out += change.caveat.map { " [\($0)]" } ?? ""
                out += "\n"
            }
        }

        if let plan {
            out += "\nplan: \(plan.titles.joined(separator: " + ")) (recomputed)\n"
            out += FitAnalysis.table(plan.slots, budget: plan.budget, showDER: false)
            for alternative in alternatives {
                let total = alternative.slots.reduce(0) { $0 + $1.bytes }
                out += "  or: \(alternative.titles.joined(separator: " + ")) (\(total) bytes, \(alternative.layout))\n"
            }
        }
        for note in notes { out += "\nnote: \(note)\n" }

        out += "\nverdict: "
        if fits {
            out += "fits \(profile) (\(total) of \(budget) bytes)\n"
        } else {
            out += "does not fit \(profile): \(problems.joined(separator: "; "))"
            if let plan {
                out +=
                    ". The plan fits: \(plan.titles.joined(separator: " + ")) (\(plan.total) of \(plan.budget) bytes)"
            }
            out += "\n"
        }
        return out
    }

    private static func table(_ slots: [FitSlotUsage], budget: Int, showDER: Bool) -> String {
        var header = ["slot", "holds", "bytes"]
        var alignments: [TextTable.Alignment] = [.left, .left, .right]
        if showDER {
            header += ["DER"]
            alignments += [.right]
        }
        header += ["capacity", "status"]
        alignments += [.right, .left]
        var table = TextTable(header, alignments: alignments)
        for slot in slots {
            let status = slot.problem ?? "ok, \(slot.margin) left"
            for (index, item) in slot.contents.enumerated() {
                var row = index == 0 ? [slot.slot.rawValue, item, "\(slot.bytes) \(slot.encoding)"] : ["", item, ""]
                if showDER { row.append(index == 0 ? "\(slot.derBytes)" : "") }
                row += index == 0 ? ["\(slot.capacity)", status] : ["", ""]
                table.append(row)
            }
        }
        var total = ["total", "", "\(slots.reduce(0) { $0 + $1.bytes })"]
        if showDER { total.append("\(slots.reduce(0) { $0 + $1.derBytes })") }
        total += ["\(budget)", ""]
        table.append(total)
        return table.render()
    }
}
