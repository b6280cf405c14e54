import _Volatile

/// Milliseconds since reset, from SysTick on the 168 MHz core clock (one interrupt per millisecond).
enum Clock {
    /// SysTick's control, reload and current-value registers.
    static let control = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0xE000_E010)
    static let reload = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0xE000_E014)
    static let current = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0xE000_E018)
    /// The word the SysTick handler increments (placed by the linker script).
    static var counter: VolatileMappedRegister<UInt32> {
        VolatileMappedRegister<UInt32>(unsafeBitPattern: UInt(bitPattern: UnsafeMutablePointer<UInt32>(&_uplink_ticks)))
    }

    static let coreHertz: UInt32 = 168_000_000
    private nonisolated(unsafe) static var high: UInt64 = 0
    private nonisolated(unsafe) static var last: UInt32 = 0

    /// Starts SysTick: processor clock, interrupt on, 1 ms period.
    static func start() {
        reload.store(coreHertz / 1_000 - 1)
        current.store(0)
        control.store(0b111)
    }

    /// Milliseconds since `start()`, widened to 64 bits (the 32-bit counter wraps after 49 days).
    static func milliseconds() -> UInt64 {
        let now = counter.load()
        if now < last { high += 1 << 32 }
        last = now
        return high | UInt64(now)
    }

    /// Busy-waits `milliseconds`.
    static func sleep(_ milliseconds: UInt64) {
        let end = Clock.milliseconds() + milliseconds
        while Clock.milliseconds() < end {}
    }
}
