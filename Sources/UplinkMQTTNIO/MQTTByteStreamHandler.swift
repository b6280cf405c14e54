import NIOCore

/// The last handler of an MQTT channel: buffers received bytes for ``MQTTNIOConnection/receive()`` and holds back
/// socket reads while more than `highWater` bytes wait (backpressure); lives on the channel's event loop.
final class MQTTByteStreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let highWater: Int
    private var buffered: ByteBuffer?
    private var waiter: CheckedContinuation<[UInt8], any Error>?
    private var readHeld = false
    private var ended = false
    private var failure: (any Error)?
    private var context: ChannelHandlerContext?

    init(highWater: Int = 256 * 1024) { self.highWater = highWater }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        end(nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffered == nil {
            buffered = bytes
        } else {
            buffered?.writeBuffer(&bytes)
        }
        deliver()
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(error)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if (buffered?.readableBytes ?? 0) >= highWater {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Hands buffered bytes to `continuation`, or parks it until bytes arrive (on the event loop).
    func receive(_ continuation: CheckedContinuation<[UInt8], any Error>) {
        precondition(waiter == nil, "one receive at a time")
        waiter = continuation
        deliver()
    }

    private func deliver() {
        guard let waiter else { return }
        if let buffer = buffered, buffer.readableBytes > 0 {
            self.waiter = nil
            buffered = nil
            waiter.resume(returning: Array(buffer.readableBytesView))
            if readHeld, let context {
                readHeld = false
                context.read()
            }
        } else if ended {
            self.waiter = nil
            if let failure { waiter.resume(throwing: failure) } else { waiter.resume(returning: []) }
        }
    }

    private func end(_ error: (any Error)?) {
        if ended { return }
        ended = true
        failure = error
        deliver()
    }
}
