import ArgumentParser

/// A byte count given on the command line: `4194304`, `4MiB`, `512KiB`, `1M`, `64k`.
struct ByteCount: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var value: Int

    init(_ value: Int) {
        self.value = value
    }

    init?(argument: String) {
        let text = argument.lowercased().filter { $0 != "_" }
        let digits = text.prefix { $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard let number = Int(digits) else { return nil }
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kib", "kb": multiplier = 1024
        case "m", "mib", "mb": multiplier = 1024 * 1024
        default: return nil
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        value = product
    }

    var description: String { ByteCount.format(value) }

    var defaultValueDescription: String { description }

    /// `4 MiB`, `730 KiB`, `1000 B`: exact units when they divide, else bytes.
    static func format(_ count: Int) -> String {
        if count >= 1024 * 1024 && count % (1024 * 1024) == 0 { return "\(count / (1024 * 1024)) MiB" }
        if count >= 1024 && count % 1024 == 0 { return "\(count / 1024) KiB" }
        return BenchReport.grouped(Double(count)) + " B"
    }
}
