import NIOCore

/// A `TaskExecutor` that runs jobs on one SwiftNIO event loop.
///
/// Set it as ``UplinkMQTT/MQTTClientConfiguration/taskExecutor`` with a transport on the same loop (an
/// `EventLoopGroup` of one thread, or the loop itself), and the socket, the client's reader and writer and, with
/// `withTaskExecutorPreference`, the code consuming the messages all run on that thread: a received batch of
/// packets is decoded and handed on without waking another thread. Nothing that blocks may run on it, and the loop
/// must outlive the client and every task that prefers this executor (a job sent to a loop that has shut down never
/// runs).
public final class MQTTEventLoopExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    /// Creates an executor for `eventLoop`.
    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
