import ArgumentParser
import NIOPosix
import UplinkOptions

/// `uplink-bench at`: echo throughput through the AT protocol on a real pseudo-terminal.
struct ATBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at",
        abstract: "Echo throughput through the module's AT socket commands on a pseudo-terminal.",
        discussion: """
            The module runs in this process on its own event loop, on a pseudo-terminal; a host thread \
            opens the pty like firmware on a UART (raw, blocking I/O), joins Wi-Fi, opens a TCP socket \
            to an echo server on 127.0.0.1 and, chunk after chunk, sends it with AT+S.SOCKW and reads \
            it back with AT+S.SOCKR as +WIND:55 announces it. Every byte is verified; any loss, \
            corruption or unexpected reply aborts the benchmark.

            Unpaced, the module's output goes as fast as it can: goodput is compared with the line \
            rate (goal: 100×). Paced, the module's output is held to the line rate (10 bits a byte): \
            goodput is compared with what the AT framing allows on that line, from the module output \
            the host actually read (goal: 95%).
            """
    )

    @Option(name: .long, help: "Chunk size (bytes per SOCKW, 1-4096); repeat for several.")
    var chunk: [Int] = [730, 4096]

    @Option(name: .long, help: "Payload per unpaced run (e.g. 4MiB, 512KiB, 100000).")
    var bytes = ByteCount(4 * 1024 * 1024)

    @Option(name: .long, help: "Payload per paced run.")
    var pacedBytes = ByteCount(1024 * 1024)

    @Option(name: .long, help: "Rounds per chunk size and mode (the median is reported).")
    var rounds = 3

    @Option(name: .long, help: "Line rate in baud: the pace, and the unit of the unpaced goal.")
    var baud = 921_600

    @Option(name: .long, help: "Unmeasured cycles before the rounds of each chunk size.")
    var warmup = 16

    @Option(name: .long, help: "Seconds without any output from the module before a run fails (0.001 to 3600).")
    var timeout: Double = 5

    @Flag(name: .long, help: "Only the paced runs.")
    var pacedOnly = false

    @Flag(name: .long, help: "Only the unpaced runs.")
    var unpacedOnly = false

    @Flag(name: .long, help: "Print the results as JSON instead of a table.")
    var json = false

    func validate() throws {
        guard !chunk.isEmpty, chunk.allSatisfy({ (1...4096).contains($0) }) else {
            throw ValidationError("--chunk takes sizes from 1 to 4096 (the SOCKW limit).")
        }
        guard !(pacedOnly && unpacedOnly) else {
            throw ValidationError("--paced-only and --unpaced-only exclude each other.")
        }
        try OptionCheck.number(rounds, in: 1...50, option: "--rounds")
        try OptionCheck.number(bytes.value, in: 1...(1 << 40), option: "--bytes")
        try OptionCheck.number(pacedBytes.value, in: 1...(1 << 40), option: "--paced-bytes")
        try OptionCheck.number(baud, in: 300...4_000_000, option: "--baud")
        try OptionCheck.number(warmup, in: 0...100_000, option: "--warmup")
        _ = try OptionCheck.seconds(timeout, in: 0.001...3600, option: "--timeout")
    }

    func run() async throws {
        let modes: [PaceMode] = pacedOnly ? [.paced] : unpacedOnly ? [.unpaced] : [.unpaced, .paced]
        let lineBytesPerSecond = Double(baud / 10)
        if BenchReport.buildKind != "release" {
            Console.progress("uplink-bench: debug build; figures are not meaningful (use swift run -c release)")
        }

        let echo = try await EchoServer.start()
        // The host: one thread of its own, blocking on the pty like firmware on a UART.
        var results: [ChunkResult] = []
        var failure: (any Error)?
        for mode in modes {
            let perRun = mode == .paced ? pacedBytes.value : bytes.value
            Console.progress(
                "uplink-bench at: \(mode.rawValue)\(mode == .paced ? " at \(baud) baud" : ""), "
                    + "\(ByteCount.format(perRun)) per run, chunks \(chunk.map(String.init).joined(separator: ", "))")
            let module: ModuleUnderTest
            do {
                module = try await ModuleUnderTest.start(paceBaud: mode == .paced ? baud : nil)
            } catch {
                failure = error
                break
            }
            let session = HostSession(
                devicePath: module.devicePath, echoPort: echo.port, mode: mode, chunkSizes: chunk,
                bytesPerRun: perRun, rounds: rounds, warmupCycles: warmup, timeoutSeconds: timeout)
            do {
                let measured = try await session.run()
                for (size, runs) in zip(chunk, measured) {
                    results.append(
                        ChunkResult(
                            mode: mode, chunkBytes: size, measurements: runs, lineBytesPerSecond: lineBytesPerSecond))
                }
            } catch {
                failure = error
            }
            await module.stop()
            if failure != nil { break }
        }
        await echo.stop()

        if let failure {
            Console.progress("uplink-bench at: FAILED: \(failure)")
            throw ExitCode.failure
        }
        let report = BenchReport(
            build: BenchReport.buildKind, lineBaud: baud, lineBytesPerSecond: lineBytesPerSecond,
            roundsPerChunk: rounds, results: results)
        print(json ? try report.json() : report.table())
    }
}
