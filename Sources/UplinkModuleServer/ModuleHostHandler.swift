import NIOCore
import UplinkModule

/// Connects one host channel (pty master, serial port, TCP connection) to a module engine.
///
/// Bytes read go to the engine; the engine's output is written back. When the engine has too much
/// unprocessed input, reading from the host pauses until it catches up.
final class ModuleHostHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let engine: ModuleEngine

    init(engine: ModuleEngine) {
        self.engine = engine
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        engine.attach { buffer in
            bound.value.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        }
        engine.setInputFlowHandler { resume in
            let channel = bound.value.channel
            channel.setOption(.autoRead, value: resume).whenSuccess {
                if resume { channel.read() }
            }
        }
        engine.hostChanged()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        engine.receive(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        engine.detachOutput()
        engine.setInputFlowHandler { _ in }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
