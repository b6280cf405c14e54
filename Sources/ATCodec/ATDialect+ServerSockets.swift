/// The SPWF04's server sockets (`AT+S.SOCKDON` and friends) as bytes: what the module prints, what a host sends,
/// and how a host reads the indications back. One description for both directions, like ``ATDialect``'s own.
///
/// The shapes follow ST's X-CUBE-WIFI1 SPWF04 parser: `AT-S.On:<sid>` after SOCKDON, and the WINDs
/// `61:Incoming Socket Client:<ip>:<port>:<sid>:<cid>`, `62:Socket Client Gone:<ip>:<port>:<sid>:<cid>:<reason>`,
/// `55:Pending Data:<sid>:<cid>:<received>:<unread>` (a client socket's has an empty server id: `Pending Data::`).
extension ATDialect {
    /// SOCKDON's result line: `AT-S.On:<sid>`.
    public func serverOpened(id: Int) -> [UInt8] {
        Array("\(replyLead)\(socketOpenedPrefix)\(id)\r\n".utf8)
    }

    /// `+WIND:55`'s text for a client of a server socket.
    public func serverPendingDataText(server: Int, client: Int, received: Int, unread: Int) -> String {
        "Pending Data:\(server):\(client):\(received):\(unread)"
    }

    /// `+WIND:61`'s text: a client connected to a server socket (UDP: the first datagram of a new peer).
    public func serverClientConnectedText(address: String, port: Int, server: Int, client: Int) -> String {
        "Incoming Socket Client:\(address):\(port):\(server):\(client)"
    }

    /// `+WIND:62`'s text: a client of a server socket left. `reason` 0: the peer closed.
    public func serverClientGoneText(address: String, port: Int, server: Int, client: Int, reason: Int) -> String {
        "Socket Client Gone:\(address):\(port):\(server):\(client):\(reason)"
    }

    /// `+WIND:63`'s text: a server socket dropped `bytes` bytes (a UDP datagram that did not fit).
    public func serverDroppingDataText(bytes: Int, freeHeap: Int) -> String {
        "Sockd Dropping Data:\(bytes):\(freeHeap)"
    }

    /// SOCKDL's line for a server socket: `AT-S.Server:<sid>:<port>:<t|u|s1|s2>`.
    public func serverListLine(server: Int, port: Int, kind: String) -> [UInt8] {
        information("Server:\(server):\(port):\(kind)")
    }

    /// SOCKDL's line for a client of a server socket: `AT-S.Client:<sid>:<cid>:<ip>:<port>`.
    public func serverClientListLine(server: Int, client: Int, address: String, port: Int) -> [UInt8] {
        information("Client:\(server):\(client):\(address):\(port)")
    }

    // MARK: - Host side

    /// `AT+S.SOCKDON=<port>,<t|u|s1|s2>`.
    public func serverOpenCommand(port: Int, kind: ATServerSocketKind) throws(ATCommandError) -> ATHostCommand {
        guard (1...65_535).contains(port) else { throw .outOfRange("port", port) }
        return ATHostCommand(line: "AT+S.SOCKDON=\(port),\(kind.rawValue)")
    }

    /// `AT+S.SOCKDQ=<sid>,<cid>`.
    public func serverQueryCommand(server: Int, client: Int) -> ATHostCommand {
        ATHostCommand(line: "AT+S.SOCKDQ=\(server),\(client)")
    }

    /// `AT+S.SOCKDR=<sid>,<cid>,<n>`: `n` raw bytes come back after `AT-S.Reading`.
    public func serverReadCommand(server: Int, client: Int, count: Int) throws(ATCommandError) -> ATHostCommand {
        guard count >= 1 else { throw .outOfRange("read length", count) }
        return ATHostCommand(line: "AT+S.SOCKDR=\(server),\(client),\(count)", reply: .data(count: count))
    }

    /// `AT+S.SOCKDW=<sid>,<cid>,<n>` and the `n` bytes (1 to `maximum`).
    public func serverWriteCommand(server: Int, client: Int, _ bytes: [UInt8], maximum: Int = 4096)
        throws(ATCommandError) -> ATHostCommand
    {
        guard (1...maximum).contains(bytes.count) else { throw .outOfRange("write length", bytes.count) }
        return ATHostCommand(line: "AT+S.SOCKDW=\(server),\(client),\(bytes.count)", block: bytes)
    }

    /// `AT+S.SOCKDC=<sid>` (the server and all its clients) or `AT+S.SOCKDC=<sid>,<cid>` (one client).
    public func serverCloseCommand(server: Int, client: Int? = nil) -> ATHostCommand {
        ATHostCommand(line: "AT+S.SOCKDC=\(server)" + (client.map { ",\($0)" } ?? ""))
    }

    /// `AT+S.SOCKDL`, or `AT+S.SOCKDL=<sid>` for one server.
    public func serverListCommand(server: Int? = nil) -> ATHostCommand {
        ATHostCommand(line: "AT+S.SOCKDL" + (server.map { "=\($0)" } ?? ""))
    }

    /// The server id of SOCKDON's result line (`AT-S.On:<sid>`, which ``parseLine(_:)`` gives as information).
    public func parseServerOpened(_ reply: ATReply) -> Int? {
        guard case .information(let text) = reply else { return nil }
        let bytes = Array(text.utf8)[...]
        guard let rest = ATBytes.after(socketOpenedPrefix, in: bytes) ?? ATBytes.after("On:", in: bytes) else {
            return nil
        }
        return ATBytes.decimal(rest)
    }

    /// A SOCKDL line, or `nil` when the reply is not one.
    public func parseServerListLine(_ reply: ATReply) -> ATServerListEntry? {
        guard case .information(let text) = reply else { return nil }
        let bytes = Array(text.utf8)[...]
        let body = ATBytes.after(linePrefix, in: bytes) ?? bytes
        if let rest = ATBytes.after("Server:", in: body) {
            let fields = ATBytes.fields(rest)
            guard fields.count == 3, let server = ATBytes.decimal(fields[0]), let port = ATBytes.decimal(fields[1]),
                let kind = ATServerSocketKind(rawValue: ATBytes.text(fields[2]))
            else { return nil }
            return .server(id: server, port: port, kind: kind)
        }
        if let rest = ATBytes.after("Client:", in: body) {
            // `<sid>:<cid>:<ip>:<port>`: the address is between the second colon and the last.
            let fields = rest.split(separator: 0x3A, maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let server = ATBytes.decimal(fields[0]), let client = ATBytes.decimal(fields[1]),
                let colon = fields[2].lastIndex(of: 0x3A), let port = ATBytes.decimal(fields[2][(colon + 1)...])
            else { return nil }
            return .client(
                server: server, id: client, address: ATBytes.text(fields[2][..<colon]), port: port)
        }
        return nil
    }

    /// A WIND about a server socket's clients (55 with a server id, 61, 62, 63), or `nil` for any other.
    public func parseServerIndication(number: Int, text: String) -> ATServerIndication? {
        let bytes = Array(text.utf8)[...]
        switch number {
        case 55:
            guard let rest = ATBytes.after("Pending Data:", in: bytes) else { return nil }
            let fields = ATBytes.fields(rest)
            guard fields.count == 4, let server = ATBytes.decimal(fields[0]), let client = ATBytes.decimal(fields[1]),
                let unread = ATBytes.decimal(fields[3])
            else { return nil }
            return .pendingData(server: server, client: client, unread: unread)
        case 61:
            guard let rest = ATBytes.after("Incoming Socket Client:", in: bytes),
                let (address, numbers) = Self.addressAndNumbers(rest, count: 3)
            else { return nil }
            return .clientConnected(server: numbers[1], client: numbers[2], address: address, port: numbers[0])
        case 62:
            guard let rest = ATBytes.after("Socket Client Gone:", in: bytes),
                let (_, numbers) = Self.addressAndNumbers(rest, count: 4)
            else { return nil }
            return .clientGone(server: numbers[1], client: numbers[2], reason: numbers[3])
        case 63:
            guard let rest = ATBytes.after("Sockd Dropping Data:", in: bytes) else { return nil }
            let (head, _) = ATBytes.split(rest, at: 0x3A)
            guard let dropped = ATBytes.decimal(head) else { return nil }
            return .droppingData(bytes: dropped)
        default:
            return nil
        }
    }

    /// `<address>:<n1>:...:<n_count>`: the address may hold colons (IPv6), the numbers are the last fields.
    private static func addressAndNumbers(_ bytes: ArraySlice<UInt8>, count: Int) -> (String, [Int])? {
        var rest = bytes
        var numbers: [Int] = []
        for _ in 0..<count {
            guard let colon = rest.lastIndex(of: 0x3A), let value = ATBytes.decimal(rest[(colon + 1)...]) else {
                return nil
            }
            numbers.insert(value, at: 0)
            rest = rest[..<colon]
        }
        return (ATBytes.text(rest), numbers)
    }
}

/// The transport of an SPWF04 server socket, as SOCKDON names it.
public enum ATServerSocketKind: String, Equatable, Sendable, CaseIterable {
    /// TCP.
    case tcp = "t"
    /// UDP: each new peer address becomes a client.
    case udp = "u"
    /// TLS 1.2, the module's `cert` and `key` slots as the server's identity; clients are not asked for a certificate.
    case tls = "s1"
    /// TLS 1.2 like ``tls``, and every client must present a certificate issued by a CA in the `ca` slot.
    case mutualTLS = "s2"
}

/// One line of SOCKDL.
public enum ATServerListEntry: Equatable, Sendable {
    /// A server socket listening on `port`.
    case server(id: Int, port: Int, kind: ATServerSocketKind)
    /// A client of server `server`.
    case client(server: Int, id: Int, address: String, port: Int)
}

/// A WIND about the clients of a server socket, as a host acts on it.
public enum ATServerIndication: Equatable, Sendable {
    /// `+WIND:55` with a server id: `unread` bytes wait from client `client` of server `server`.
    case pendingData(server: Int, client: Int, unread: Int)
    /// `+WIND:61`: a client connected.
    case clientConnected(server: Int, client: Int, address: String, port: Int)
    /// `+WIND:62`: a client left (its unread bytes, if any, can still be read).
    case clientGone(server: Int, client: Int, reason: Int)
    /// `+WIND:63`: a server socket dropped data (a UDP datagram that did not fit).
    case droppingData(bytes: Int)
}
