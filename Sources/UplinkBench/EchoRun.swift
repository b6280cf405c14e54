/// One measured run: `cycles` chunks, each sent with SOCKW and read back in full before the next.
///
/// Per chunk: `AT+S.SOCKW` with the chunk → OK; then until the chunk is back: wait for a WIND 55
/// when none is pending, else `AT+S.SOCKR` of everything the WINDs announced. Every byte read back
/// is compared with what was sent.
struct EchoRun {
    let driver: ATHostDriver
    let socket: Int
    let chunkBytes: Int
    let cycles: Int
    let seed: UInt64

    func run() throws -> RunMeasurement {
        let payload = EchoPayload.make(count: chunkBytes * cycles, seed: seed)
        let line = driver.line
        guard driver.pendingData == 0, line.available == 0 else {
            throw BenchError.protocolViolation(
                "the line is not idle before the run: \(driver.pendingData) bytes pending, \(line.preview())")
        }
        let readsBefore = driver.socketReads
        let indicationsBefore = driver.pendingDataIndications
        let outputBefore = line.consumedBytes
        var hostOutput = 0
        var sent = 0
        var received = 0
        var writing = Duration.zero
        var waiting = Duration.zero
        var reading = Duration.zero
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<cycles {
            let chunk = payload[sent..<sent + chunkBytes]
            let writeStart = clock.now
            try driver.socketWrite(socket, chunk)
            writing += clock.now - writeStart
            hostOutput += "AT+S.SOCKW=\(socket),\(chunkBytes)\r".utf8.count + chunkBytes
            sent += chunkBytes
            while received < sent {
                let pending = driver.pendingData
                if pending == 0 {
                    let waitStart = clock.now
                    try driver.awaitIndication()
                    waiting += clock.now - waitStart
                    continue
                }
                guard received + pending <= sent else {
                    throw BenchError.dataMismatch(
                        "+WIND:55 announced \(pending) bytes but only \(sent - received) are in flight")
                }
                let readStart = clock.now
                try driver.socketRead(socket, expected: payload[received..<received + pending])
                reading += clock.now - readStart
                hostOutput += "AT+S.SOCKR=\(socket),\(pending)\r".utf8.count
                received += pending
            }
        }
        let seconds = (clock.now - start).seconds
        let moduleOutput = line.consumedBytes - outputBefore
        // Outside the timing: the socket must hold nothing more.
        let left = try driver.socketQuery(socket)
        guard left == 0, driver.pendingData == 0 else {
            throw BenchError.dataMismatch("\(left) unexpected bytes left in the socket after the run")
        }
        return RunMeasurement(
            chunkBytes: chunkBytes, cycles: cycles, payloadBytes: received, seconds: seconds,
            moduleOutputBytes: moduleOutput, hostOutputBytes: hostOutput,
            secondsInSocketWrite: writing.seconds, secondsWaitingForData: waiting.seconds,
            secondsInSocketRead: reading.seconds,
            socketReads: driver.socketReads - readsBefore,
            pendingDataIndications: driver.pendingDataIndications - indicationsBefore)
    }
}
