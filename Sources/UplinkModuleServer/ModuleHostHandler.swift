import NIOCore
import UplinkModule

/// Connects one host channel (pty master, serial port, TCP connection) to a module engine.
///
/// Bytes read go to the engine; the engine's output is written back. When the engine has too much
/// unprocessed input, reading from the host pauses until it catches up.
///
/// Output is counted until the link has written it (past a pacing handler too: a write's promise completes
/// when its bytes went to the descriptor). Above ``outputHighWater`` bytes not yet written — a host that
/// writes but does not read — the engine is told the link is not writable: it stops reading the host and its
/// sockets. Below ``outputLowWater`` it goes on. So the module's memory stays bounded whatever the host does.
final class ModuleHostHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Output not yet written to the link above which the module stops producing more.
    static let outputHighWater = 65_536
    /// Output not yet written below which it resumes.
    static let outputLowWater = 16_384

    private let engine: ModuleEngine
    private var unwritten = 0
    private var blocked = false

    init(engine: ModuleEngine) {
        self.engine = engine
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        engine.attach { buffer in
            bound.value.handler.write(buffer, context: bound.value.context)
        }
        engine.setInputFlowHandler { resume in
            let channel = bound.value.context.channel
            channel.setOption(.autoRead, value: resume).whenSuccess {
                if resume { channel.read() }
            }
        }
        unwritten = 0
        blocked = false
        engine.setOutputWritable(true)
        engine.hostChanged()
        context.fireChannelActive()
    }

    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        let count = buffer.readableBytes
        unwritten += count
        let promise = context.eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in
            bound.value.unwritten -= count
            bound.value.updateWritability()
        }
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: promise)
        updateWritability()
    }

    private func updateWritability() {
        if !blocked && unwritten > Self.outputHighWater {
            blocked = true
            engine.setOutputWritable(false)
        } else if blocked && unwritten <= Self.outputLowWater {
            blocked = false
            // Later, not now: a write that completes at once comes back here from inside the engine's own output.
            let engine = self.engine
            engine.eventLoop.execute { engine.setOutputWritable(true) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        engine.receive(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        engine.detachOutput()
        engine.setInputFlowHandler { _ in }
        // Output for a host that is gone is dropped (as a UART with nothing attached); nothing waits for it.
        blocked = false
        engine.setOutputWritable(true)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
