import UplinkDriver

/// One measured run: `cycles` chunks, each sent with SOCKW and read back in full before the next, through the
/// host driver (`UplinkDriver`): SOCKW → OK, then reads driven by WIND 55 until the chunk is back. Every byte
/// read back is compared with what was sent.
struct EchoRun {
    let driver: ModuleDriver
    let socket: Int
    let chunkBytes: Int
    let cycles: Int
    let seed: UInt64

    func run() async throws -> RunMeasurement {
        let payload = EchoPayload.make(count: chunkBytes * cycles, seed: seed)
        let before = await driver.statistics
        var sent = 0
        var received = 0
        var writing = Duration.zero
        var reading = Duration.zero
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<cycles {
            let chunk = Array(payload[sent..<sent + chunkBytes])
            let writeStart = clock.now
            try await driver.write(socket: socket, chunk)
            writing += clock.now - writeStart
            sent += chunkBytes
            while received < sent {
                let readStart = clock.now
                let data = try await driver.read(socket: socket)
                reading += clock.now - readStart
                guard !data.isEmpty else { throw BenchError.socketClosed(socket) }
                guard received + data.count <= sent else {
                    throw BenchError.dataMismatch("read \(data.count) bytes but only \(sent - received) are in flight")
                }
                guard data.elementsEqual(payload[received..<received + data.count]) else {
                    throw BenchError.dataMismatch(
                        "the \(data.count) bytes read at offset \(received) differ from those sent")
                }
                received += data.count
            }
        }
        let seconds = (clock.now - start).seconds
        let after = await driver.statistics
        return RunMeasurement(
            chunkBytes: chunkBytes, cycles: cycles, payloadBytes: received, seconds: seconds,
            moduleOutputBytes: after.bytesReceived - before.bytesReceived,
            hostOutputBytes: after.bytesSent - before.bytesSent,
            secondsInSocketWrite: writing.seconds, secondsWaitingForData: 0, secondsInSocketRead: reading.seconds,
            socketReads: after.socketReads - before.socketReads,
            pendingDataIndications: after.pendingDataIndications - before.pendingDataIndications)
    }
}
