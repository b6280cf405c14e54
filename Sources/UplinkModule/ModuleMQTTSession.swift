import ATCodec
import NIOCore
import UplinkMQTT

/// The SPWF04's one MQTT connection (`AT+S.MQTTCONN`): UplinkMQTT's client over ``ModuleMQTTBrokerTransport``, its
/// subscriptions, and the messages on their way to the host.
///
/// Received messages go to the host as `+WIND:86` (``ATMQTTMessageChunk``), in order. At most ``heldLimit``
/// messages (or ``heldByteLimit`` bytes; one message always) wait in the module for the host — while a command is in
/// progress, while the host does not read, while WIND 86 is masked. When that is full the module says so once with
/// `+WIND:91:MQTT Buffer Full:<id>` and takes no more from the client, whose subscription buffers then stop it
/// reading the socket: the broker holds the rest (TCP backpressure). Nothing is dropped.
///
/// Confined to the engine's event loop, except the tasks that wait on the client.
final class ModuleMQTTSession: @unchecked Sendable {
    /// Most messages waiting for the host.
    static let heldLimit = 16
    /// Most message bytes waiting for the host.
    static let heldByteLimit = 65_536
    /// The WIND that says the buffer is full.
    static let bufferFullWind = 91

    let id: Int
    let client: MQTTClient
    let address: String
    unowned let engine: ModuleEngine
    /// The subscription stream of each topic filter.
    var streams: [String: MQTTSubscriptionStream] = [:]
    private var readers: [String: Task<Void, Never>] = [:]
    private var monitor: Task<Void, Never>?
    private var held = 0
    private var heldBytes = 0
    private var waiting: [(message: MQTTMessage, resume: CheckedContinuation<Void, Never>)] = []
    private var saidFull = false
    private var retryScheduled = false
    /// Whether the session ended (host DISC, reset, or the connection closed).
    private(set) var isClosed = false

    init(id: Int, client: MQTTClient, address: String, engine: ModuleEngine) {
        self.id = id
        self.client = client
        self.address = address
        self.engine = engine
    }

    /// Watches the connection: when the client stops (broker gone, network lost), WIND 87 and the session ends.
    func startMonitor() {
        let client = self.client
        let loop = engine.eventLoop
        monitor = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                if Task.isCancelled { return }
                if !client.isConnected {
                    loop.execute { self.connectionLost() }
                    return
                }
            }
        }
    }

    /// Reads a subscription's stream into the host's WINDs.
    func startReading(_ stream: MQTTSubscriptionStream, filter: String) {
        streams[filter] = stream
        readers[filter] = Task {
            do {
                for try await message in stream {
                    await self.deliver(message)
                }
            } catch {}
        }
    }

    /// Forgets a filter's stream (after UNSUBACK).
    func stopReading(filter: String) {
        streams[filter] = nil
        readers.removeValue(forKey: filter)?.cancel()
    }

    /// Hands a message to the engine when there is room; suspends the reading task until there is.
    private func deliver(_ message: MQTTMessage) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            engine.eventLoop.execute {
                self.waiting.append((message, continuation))
                self.admit()
            }
        }
    }

    /// Moves waiting messages to the engine's WIND queue while there is room.
    private func admit() {
        if isClosed {
            for entry in waiting { entry.resume.resume() }
            waiting.removeAll()
            return
        }
        while let next = waiting.first {
            let size = next.message.payload.count + next.message.topic.utf8.count
            let room = held == 0 || (held < Self.heldLimit && heldBytes + size <= Self.heldByteLimit)
            guard room, !engine.isOutputBlocked else {
                if !saidFull && !engine.isOutputBlocked {
                    saidFull = true
                    engine.indicate(Self.bufferFullWind, "MQTT Buffer Full:\(id)")
                }
                if engine.isOutputBlocked { scheduleRetry() }
                return
            }
            waiting.removeFirst()
            held += 1
            heldBytes += size
            engine.indicateMQTTMessage(self, next.message) {
                self.held -= 1
                self.heldBytes -= size
                if self.held == 0 { self.saidFull = false }
                self.admit()
            }
            next.resume.resume()
        }
    }

    /// While the host does not read, looks again a little later (the engine resumes output on its own).
    private func scheduleRetry() {
        guard !retryScheduled else { return }
        retryScheduled = true
        engine.eventLoop.scheduleTask(in: .milliseconds(50)) {
            self.retryScheduled = false
            self.admit()
        }
    }

    private func connectionLost() {
        guard !isClosed, engine.mqttSession === self else { return }
        engine.mqttSession = nil
        close()
        engine.indicate(ATMQTTMessageChunk.closedWindNumber, "\(ATMQTTMessageChunk.closedTextPrefix)\(id)")
    }

    /// Ends the session: stops its tasks, releases the readers, and disconnects the client (in the background, which
    /// ``ModuleEngine/stop()`` waits for; the client bounds its own wait for the broker's close).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        let tasks = Array(readers.values) + (monitor.map { [$0] } ?? [])
        for task in tasks { task.cancel() }
        readers.removeAll()
        streams.removeAll()
        for entry in waiting { entry.resume.resume() }
        waiting.removeAll()
        let client = self.client
        engine.finishInBackground {
            await client.disconnect()
            for task in tasks { await task.value }
        }
    }
}
