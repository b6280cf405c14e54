import ATCodec
import NIOCore
import NIOHTTP1
import NIOPosix

extension ModuleEngine {
    static let httpCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.HTTPGET",
            "HTTP GET: <host>,<path>[,<port>] (SPWF01) or <host>,<path>,<port>,<TLS>,<user>,<password>,<file down>,<file up>"
        ) { engine, line throws(ATError) in
            try engine.httpRequest(line, post: false)
        },
        ATCommandSpec(
            "AT+S.HTTPPOST",
            "HTTP POST of a form: <host>,<path>,<form>[,<port>] (SPWF01) or <host>,<path>,<form>,<port>,<TLS>,<user>,<password>,<file up>"
        ) { engine, line throws(ATError) in
            try engine.httpRequest(line, post: true)
        },
    ]

    /// The most bytes of one response the module prints (status line, headers and body); past it the exchange
    /// ends with ``ATError/httpResponseTooLarge`` after what fitted.
    static let httpResponseLimit = 262_144

    private func httpRequest(_ line: ATCommandLine, post: Bool) throws(ATError) -> CommandOutcome {
        var why: String?
        let request: HTTPClientRequest
        do throws(ATError) {
            request = try HTTPClientRequest.parse(fields(line), post: post, family: dialect.family, why: &why)
        } catch {
            errorDetail = why
            throw error
        }
        let (download, upload) = try httpFiles(request)
        guard radio.isUp else { throw .wifiNotConnected }
        let tls: TLSClientSetup? = request.tls ? try tlsSetup(host: request.host, commonName: nil) : nil
        let idle = TimeAmount.milliseconds(Int64(max(1, config.integer("ip_http_get_recv_timeout"))))
        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let printer = HTTPResponsePrinter(
            engine: self, effect: effect, limit: Self.httpResponseLimit, download: download)
        let host = request.host
        let resolved = resolver.resolveIPv4(host, on: eventLoop).flatMapErrorThrowing { error in
            throw DetailedFailure(error: .httpHostNotFound, detail: "\(host): \(error)")
        }
        let exchanged = resolved.assumeIsolated().flatMap { addresses -> EventLoopFuture<Void> in
            guard !effect.isAbandoned else { return self.eventLoop.makeFailedFuture(EffectAbandoned()) }
            return self.httpConnect(request, addresses[...], tls: tls, printer: printer, effect: effect)
                .assumeIsolated().flatMap { channel -> EventLoopFuture<Void> in
                    guard !effect.isAbandoned else {
                        channel.close(promise: nil)
                        return self.eventLoop.makeFailedFuture(EffectAbandoned())
                    }
                    return self.httpSend(request, upload: upload, on: channel, idle: idle)
                }.nonisolated()
        }.nonisolated()
        let finished = exchanged.assumeIsolated().flatMapErrorThrowing { error in
            // Whatever was printed already stays; the error line starts on a line of its own.
            if !(error is EffectAbandoned) { printer.endLine() }
            throw error
        }.flatMapThrowing {
            guard !effect.isAbandoned else { return }
            if let download { try self.storeDownload(download) }
            self.emit(self.dialect.httpResponseTrailer)
            self.emitOK()
        }.nonisolated()
        return .pending(finished, effect)
    }

    /// Connects to the first address that answers (TLS on top when asked), with the HTTP codec and the relay in its
    /// pipeline.
    private func httpConnect(
        _ request: HTTPClientRequest, _ candidates: ArraySlice<IPv4Address>, tls: TLSClientSetup?,
        printer: HTTPResponsePrinter, effect: PendingEffect
    ) -> EventLoopFuture<Channel> {
        guard let address = candidates.first else {
            return eventLoop.makeFailedFuture(DetailedFailure(error: .httpHostNotFound, detail: "no address"))
        }
        let remote: SocketAddress
        do {
            remote = try SocketAddress(ipAddress: address.description, port: request.port)
        } catch {
            return eventLoop.makeFailedFuture(
                DetailedFailure(error: .connectionFailed, detail: "\(address):\(request.port): \(error)"))
        }
        let bound = NIOLoopBound(printer, eventLoop: eventLoop)
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(options.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    effect.track(channel)
                    let printer = bound.value
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPResponseRelay(done: channel.eventLoop.makePromise()) { part in printer.print(part) })
                }
            }
            .connect(to: remote)
        let opened = connected.assumeIsolated().flatMapError { error -> EventLoopFuture<Channel> in
            if candidates.count > 1, !effect.isAbandoned {
                return self.httpConnect(
                    request, candidates.dropFirst(), tls: tls, printer: printer, effect: effect)
            }
            return self.eventLoop.makeFailedFuture(
                effect.isAbandoned
                    ? EffectAbandoned()
                    : DetailedFailure(error: .connectionFailed, detail: "\(address):\(request.port): \(error)"))
        }.nonisolated()
        guard let tls else { return opened }
        return opened.assumeIsolated().flatMap { channel -> EventLoopFuture<Channel> in
            guard !effect.isAbandoned else { return channel.eventLoop.makeFailedFuture(EffectAbandoned()) }
            // The exchange goes on once the handshake is done: a deadline from then on is an ordinary timeout.
            return tls.handshake(on: channel, effect: effect).assumeIsolated().map { channel -> Channel in
                effect.timeoutError = .timedOut
                return channel
            }.nonisolated()
        }.nonisolated()
    }

    /// Sends the request and waits for the relay to see the response's end. The receive timeout
    /// (`ip_http_get_recv_timeout`) runs from here: a server silent that long ends the exchange.
    private func httpSend(
        _ request: HTTPClientRequest, upload: [UInt8]?, on channel: Channel, idle: TimeAmount
    ) -> EventLoopFuture<Void> {
        let relay: HTTPResponseRelay
        do {
            relay = try channel.pipeline.syncOperations.handler(type: HTTPResponseRelay.self)
            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle), position: .first)
        } catch {
            channel.close(promise: nil)
            return eventLoop.makeFailedFuture(DetailedFailure(error: .connectionFailed, detail: "\(error)"))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: request.hostHeader)
        if let authorization = request.authorization { headers.add(name: "Authorization", value: authorization) }
        headers.add(name: "Connection", value: "close")
        var method = HTTPMethod.GET
        var body: ByteBuffer?
        if case .post(let form) = request.method {
            method = .POST
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            headers.add(name: "Content-Length", value: String(form.utf8.count))
            body = channel.allocator.buffer(string: form)
        }
        if let upload {
            // <file up>: the file is the body; a GET with one is a PUT of it.
            if method == .GET { method = .PUT }
            headers.remove(name: "Content-Type")
            headers.remove(name: "Content-Length")
            headers.add(name: "Content-Type", value: "application/octet-stream")
            headers.add(name: "Content-Length", value: String(upload.count))
            body = channel.allocator.buffer(bytes: upload)
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: request.path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return relay.done.futureResult
    }
}

/// Prints a response as it arrives, the way the module streams it to the host: the status line and the headers
/// as received (`Transfer-Encoding` left out: the body is printed decoded), an empty line, the body's bytes; at
/// most `limit` bytes in all. Confined to the engine's event loop.
final class HTTPResponsePrinter {
    private let engine: ModuleEngine
    private let effect: PendingEffect
    private let limit: Int
    private var printed = 0
    private var lastByte: UInt8?
    /// SPWF04 `<file down>`: where the body goes instead of the host.
    private let download: HTTPDownload?

    init(engine: ModuleEngine, effect: PendingEffect, limit: Int, download: HTTPDownload? = nil) {
        self.engine = engine
        self.effect = effect
        self.limit = limit
        self.download = download
    }

    /// Prints one part; returns the failure that ends the exchange (the bound passed), else `nil`.
    func print(_ part: HTTPClientResponsePart) -> DetailedFailure? {
        guard !effect.isAbandoned else { return nil }
        switch part {
        case .head(let head):
            download?.begin(status: Int(head.status.code))
            var text =
                "HTTP/\(head.version.major).\(head.version.minor) \(head.status.code) \(head.status.reasonPhrase)\r\n"
            for (name, value) in head.headers where name.lowercased() != "transfer-encoding" {
                text += "\(name): \(value)\r\n"
            }
            text += "\r\n"
            return write(Array(text.utf8))
        case .body(let buffer):
            if let download { return download.take(buffer.readableBytesView) }
            return write(Array(buffer.readableBytesView))
        case .end:
            return nil
        }
    }

    /// Ends a partial line with CR LF (SPWF04: its error line has no CR LF of its own before it).
    func endLine() {
        guard !effect.isAbandoned, engine.dialect.family == .spwf04, let lastByte, lastByte != 0x0A else { return }
        engine.emit([0x0D, 0x0A])
    }

    private func write(_ bytes: [UInt8]) -> DetailedFailure? {
        let room = limit - printed
        let taken = bytes.count <= room ? bytes[...] : bytes.prefix(max(0, room))
        if !taken.isEmpty {
            engine.emit(Array(taken))
            printed += taken.count
            lastByte = taken.last
            engine.flushOutput()
        }
        guard taken.count == bytes.count else {
            return DetailedFailure(error: .httpResponseTooLarge, detail: "more than \(limit) bytes")
        }
        return nil
    }
}
