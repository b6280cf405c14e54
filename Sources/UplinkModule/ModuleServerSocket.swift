import ATCodec
import NIOCore

/// One SPWF04 server socket (`AT+S.SOCKDON`): the listening channel on the host machine and its clients.
///
/// Each client is a ``ModuleSocket`` (with ``ModuleSocket/serverID`` set), so a client's bytes are buffered, bounded
/// and announced (`+WIND:55`) exactly as a client socket's are. A TCP or TLS client has its own channel; the clients
/// of a UDP server are the peer addresses it heard from, and share the server's channel.
///
/// Confined to the module's event loop, like the engine.
final class ModuleServerSocket {
    /// The most server sockets at once (ids 0–3): ST's X-CUBE-WIFI1 documents 4 for the SPWF04.
    static let serverLimit = 4
    /// The most clients of one server (ids 0–4): ST's SPWF04 parser notes 5 connections per server.
    static let clientLimit = 5

    let id: Int
    let port: Int
    let kind: ATServerSocketKind
    /// The listening (TCP, TLS) or bound (UDP) channel.
    var channel: Channel?
    /// The clients by client id.
    var clients: [ModuleSocket?] = Array(repeating: nil, count: ModuleServerSocket.clientLimit)
    /// UDP: the peer address of each client.
    var peers: [SocketAddress?] = Array(repeating: nil, count: ModuleServerSocket.clientLimit)
    /// TLS clients still in their handshake: their slot is taken, but the host does not see them yet.
    var handshaking: Set<Int> = []

    init(id: Int, port: Int, kind: ATServerSocketKind) {
        self.id = id
        self.port = port
        self.kind = kind
    }

    /// The client with this id the host can use (connected, handshake done), if any.
    func client(_ id: Int) -> ModuleSocket? {
        guard clients.indices.contains(id), !handshaking.contains(id) else { return nil }
        return clients[id]
    }

    /// The clients the host can see, in id order.
    var visibleClients: [ModuleSocket] {
        clients.indices.compactMap { client($0) }
    }

    /// Frees a client's slot; closes its channel unless it is the server's own (UDP).
    func drop(_ id: Int) {
        guard clients.indices.contains(id), let socket = clients[id] else { return }
        clients[id] = nil
        peers[id] = nil
        handshaking.remove(id)
        if kind != .udp { socket.channel?.close(promise: nil) }
    }

    /// Closes the server and every client.
    func close() {
        for id in clients.indices { drop(id) }
        channel?.close(promise: nil)
        channel = nil
    }
}
