import _Volatile

/// The Cortex-M4 exception table after the initial stack pointer (which the linker script puts first):
/// reset, NMI, hard fault, memory, bus and usage faults, four reserved words, SVC, debug monitor, one reserved
/// word, PendSV and SysTick. Peripheral interrupts are not used (the UARTs are polled).
@section(".isr_vector") @used
let vectorTable:
    (
        @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void,
        @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void,
        @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void,
        @convention(c) () -> Void, @convention(c) () -> Void, @convention(c) () -> Void
    ) = (
        resetHandler, faultHandler, faultHandler, faultHandler, faultHandler, faultHandler, faultHandler,
        faultHandler, faultHandler, faultHandler, faultHandler, faultHandler, faultHandler, faultHandler,
        sysTickHandler
    )

/// Reset: copies .data from flash, zeroes .bss, starts the clock and runs the application.
@_cdecl("Reset_Handler")
func resetHandler() {
    // CP10/CP11 full access: the compiler may use VFP registers to move data even with a soft-float ABI.
    let cpacr = VolatileMappedRegister<UInt32>(unsafeBitPattern: 0xE000_ED88)
    cpacr.store(cpacr.load() | 0xF << 20)
    var source = UnsafeMutablePointer<UInt32>(&_sidata)
    var target = UnsafeMutablePointer<UInt32>(&_sdata)
    let dataEnd = UnsafeMutablePointer<UInt32>(&_edata)
    while target < dataEnd {
        target.pointee = source.pointee
        target += 1
        source += 1
    }
    var zero = UnsafeMutablePointer<UInt32>(&_sbss)
    let bssEnd = UnsafeMutablePointer<UInt32>(&_ebss)
    while zero < bssEnd {
        zero.pointee = 0
        zero += 1
    }
    Clock.start()
    Application.run()
}

/// Any fault: says so on the console and stops.
@_cdecl("Fault_Handler")
func faultHandler() {
    Console.write("[fw] fault: stopped\r\n")
    while true {}
}

/// SysTick, every millisecond: the clock's counter.
@_cdecl("SysTick_Handler")
func sysTickHandler() {
    Clock.counter.store(Clock.counter.load() &+ 1)
}
