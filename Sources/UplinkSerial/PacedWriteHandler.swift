import NIOCore

/// Releases outbound bytes no faster than a serial line of a given baud rate would carry them
/// (10 bits a byte: start, 8 data, stop), so a host sees real UART timing.
///
/// Timing is kept against the clock, not per timer tick: each wake-up sends what the elapsed time
/// allows since the line became busy, so timer lateness does not lower the rate. An idle line
/// earns no credit.
///
/// A write's promise completes when its last byte has gone on: a writer that counts its unfinished writes
/// (the module's host handler does, and stops producing past a high-water mark) bounds this queue.
/// ``queuedBytes`` says how much waits.
public final class PacedWriteHandler: ChannelOutboundHandler {
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Bytes per second the line carries.
    public let bytesPerSecond: Int
    private var queue = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>()
    /// Bytes waiting for their time on the line.
    public private(set) var queuedBytes = 0
    private var busySince: NIODeadline? = nil
    private var sentSinceBusy = 0
    private var wakeUp: Scheduled<Void>? = nil

    /// Paces at `baud` bits per second.
    public init(baud: Int) {
        bytesPerSecond = max(1, baud / 10)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = Self.unwrapOutboundIn(data)
        queuedBytes += buffer.readableBytes
        queue.append((buffer, promise))
    }

    public func flush(context: ChannelHandlerContext) {
        if wakeUp == nil { drain(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        wakeUp?.cancel()
        while let (_, promise) = queue.popFirst() {
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
        queuedBytes = 0
    }

    private func drain(context: ChannelHandlerContext) {
        wakeUp = nil
        guard !queue.isEmpty else {
            busySince = nil
            return
        }
        let now = NIODeadline.now()
        let start = busySince ?? now
        if busySince == nil {
            busySince = now
            sentSinceBusy = 0
        }
        let elapsed = (now - start).nanoseconds
        var budget = Int(Int64(bytesPerSecond) * elapsed / 1_000_000_000) - sentSinceBusy
        if budget <= 0 && sentSinceBusy == 0 { budget = 1 }
        var wrote = false
        while budget > 0, var (buffer, promise) = queue.first {
            let count = min(budget, buffer.readableBytes)
            if let slice = buffer.readSlice(length: count) {
                budget -= count
                sentSinceBusy += count
                queuedBytes -= count
                if buffer.readableBytes == 0 {
                    queue.removeFirst()
                    context.write(Self.wrapOutboundOut(slice), promise: promise)
                } else {
                    queue[queue.startIndex] = (buffer, promise)
                    context.write(Self.wrapOutboundOut(slice), promise: nil)
                    promise = nil
                }
                wrote = true
            }
        }
        if wrote { context.flush() }
        guard !queue.isEmpty else {
            // Keep the line busy until the last byte has had its time on the wire.
            let due = start + .nanoseconds(Int64(sentSinceBusy) * 1_000_000_000 / Int64(bytesPerSecond))
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            wakeUp = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
                self.drain(context: loopBound.value)
            }
            return
        }
        let quantum = max(1, min(queue.first?.0.readableBytes ?? 1, bytesPerSecond / 1000))
        let due = start + .nanoseconds(Int64(sentSinceBusy + quantum) * 1_000_000_000 / Int64(bytesPerSecond))
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        wakeUp = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            self.drain(context: loopBound.value)
        }
    }
}
