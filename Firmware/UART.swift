import _Volatile

/// A polled STM32F4 USART (the registers and addresses of an STM32F401/F405): 115200 8N1, no interrupts.
struct UART {
    private let status: VolatileMappedRegister<UInt32>
    private let data: VolatileMappedRegister<UInt32>
    private let baudRate: VolatileMappedRegister<UInt32>
    private let control: VolatileMappedRegister<UInt32>

    /// USART1 (APB2, 84 MHz) on PA9/PA10: the X-NUCLEO-IDW01M1's SPWF01.
    static let module = UART(base: 0x4001_1000)
    /// USART2 (APB1, 42 MHz) on PA2/PA3: the ST-Link's virtual COM port, the console.
    static let console = UART(base: 0x4000_4400)

    private init(base: UInt) {
        status = VolatileMappedRegister(unsafeBitPattern: base)
        data = VolatileMappedRegister(unsafeBitPattern: base + 0x04)
        baudRate = VolatileMappedRegister(unsafeBitPattern: base + 0x08)
        control = VolatileMappedRegister(unsafeBitPattern: base + 0x0C)
    }

    /// Clocks GPIOA and both USARTs, puts PA2/PA3/PA9/PA10 on alternate function 7, and enables both at 115200.
    static func configure() {
        let ahb1 = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_3830)
        let apb1 = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_3840)
        let apb2 = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_3844)
        ahb1.store(ahb1.load() | 1)  // GPIOA
        apb1.store(apb1.load() | 1 << 17)  // USART2
        apb2.store(apb2.load() | 1 << 4)  // USART1
        let mode = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_0000)
        let low = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_0020)
        let high = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0x4002_0024)
        var modes = mode.load()
        for pin: UInt32 in [2, 3, 9, 10] { modes = modes & ~(0b11 << (pin * 2)) | 0b10 << (pin * 2) }
        mode.store(modes)
        low.store(low.load() & ~0xFF00 | 0x7700)  // PA2, PA3: AF7
        high.store(high.load() & ~0xFF0 | 0x770)  // PA9, PA10: AF7
        module.enable(baudDivisor: 0x2D9)  // 84 MHz / 115200
        console.enable(baudDivisor: 0x16D)  // 42 MHz / 115200
    }

    private func enable(baudDivisor: UInt32) {
        baudRate.store(baudDivisor)
        control.store(1 << 13 | 1 << 3 | 1 << 2)  // UE, TE, RE
    }

    /// Sends one byte (waits for TXE).
    func write(_ byte: UInt8) {
        while status.load() & 1 << 7 == 0 {}
        data.store(UInt32(byte))
    }

    /// The byte in the receive register, if one is there (RXNE).
    func read() -> UInt8? {
        guard status.load() & 1 << 5 != 0 else { return nil }
        return UInt8(truncatingIfNeeded: data.load())
    }
}

/// The console (USART2): `print` goes here through `putchar`.
enum Console {
    static func write(_ text: StaticString) {
        let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for byte in bytes { UART.console.write(byte) }
    }
}

/// `print`'s output: the console, with LF turned into CR LF.
@_cdecl("putchar")
func putchar(_ character: CInt) -> CInt {
    if character == 0x0A { UART.console.write(0x0D) }
    UART.console.write(UInt8(truncatingIfNeeded: character))
    return character
}
