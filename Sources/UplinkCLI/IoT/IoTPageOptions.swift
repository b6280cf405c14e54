import ArgumentParser

/// The paging options of the AWS CLI's certificate listings (`--page-size`, `--marker`, `--ascending-order`), as
/// the query the control plane reads.
struct IoTPageOptions: ParsableArguments {
    @Option(name: .long, help: "At most this many (1 to 250).") var pageSize: Int?
    @Option(name: .long, help: "The nextMarker of the previous page.") var marker: String?
    @Flag(name: .long, help: "Oldest first.") var ascendingOrder = false

    /// The query items, in the names the REST API uses.
    var query: [(String, String)] {
        var query = [(String, String)]()
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let marker { query.append(("marker", marker)) }
        if ascendingOrder { query.append(("isAscendingOrder", "true")) }
        return query
    }
}
