/// Aligned plain-text columns for the human output of `uplink certs`.
public struct TextTable: Sendable {
    /// Column alignment.
    public enum Alignment: Sendable {
        case left
        case right
    }

    /// The header row.
    public var header: [String]
    /// Alignment per column (left when missing).
    public var alignments: [Alignment]
    /// The rows.
    public var rows: [[String]] = []

    /// A table with these column titles.
    public init(_ header: [String], alignments: [Alignment] = []) {
        self.header = header
        self.alignments = alignments
    }

    /// Appends a row.
    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as text: header, a rule, the rows; columns two spaces apart; every line ends with a newline.
    public func render(indent: String = "") -> String {
        let all = (header.isEmpty ? [] : [header]) + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ row: [String]) -> String {
            var cells = [String]()
            for index in 0..<columns {
                let cell = index < row.count ? row[index] : ""
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                let alignment = index < alignments.count ? alignments[index] : .left
                cells.append(alignment == .right ? pad + cell : cell + pad)
            }
            return indent + String(cells.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
                + "\n"
        }
        var text = ""
        if !header.isEmpty {
            text += line(header)
            text += indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        }
        for row in rows { text += line(row) }
        return text
    }

    /// Two columns, `name  value`, without a header.
    public static func pairs(_ pairs: [(String, String)], indent: String = "  ") -> String {
        var table = TextTable([])
        for (name, value) in pairs { table.append([name, value]) }
        return table.render(indent: indent)
    }
}
