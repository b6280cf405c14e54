import ATCodec
import NIOCore
import NIOHTTP1

/// The end of an HTTP client channel's pipeline: hands each decoded part of the response to `consume` (which
/// prints it, or refuses it past the module's bound) and completes ``done`` once: at the response's end, or with
/// the failure that stopped it (the receive timeout, bytes that are not HTTP, a close before the end). Then it
/// closes the channel.
///
/// Confined to the channel's event loop (the module's).
final class HTTPResponseRelay: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    /// Completes when the response ended (success) or could not be received whole.
    let done: EventLoopPromise<Void>
    private let consume: (HTTPClientResponsePart) -> DetailedFailure?
    private var finished = false

    init(done: EventLoopPromise<Void>, consume: @escaping (HTTPClientResponsePart) -> DetailedFailure?) {
        self.done = done
        self.consume = consume
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        let part = unwrapInboundIn(data)
        if let failure = consume(part) {
            finish(context, .failure(failure))
        } else if case .end = part {
            finish(context, .success(()))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            finish(
                context,
                .failure(DetailedFailure(error: .httpReceiveTimedOut, detail: "the server sent nothing in time")))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context, .failure(DetailedFailure(error: .httpBadResponse, detail: "\(error)")))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(
            context,
            .failure(DetailedFailure(error: .httpBadResponse, detail: "the server closed before the response ended")))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A connect that failed never becomes active: the promise is still completed.
        if !finished {
            finished = true
            done.fail(DetailedFailure(error: .connectionFailed, detail: "the connection closed before a request"))
        }
    }

    private func finish(_ context: ChannelHandlerContext, _ result: Result<Void, DetailedFailure>) {
        guard !finished else { return }
        finished = true
        done.completeWith(result.mapError { $0 as any Error })
        context.close(promise: nil)
    }
}
