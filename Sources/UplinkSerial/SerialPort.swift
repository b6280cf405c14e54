#if canImport(Glibc)
    import Glibc
#endif

/// A real UART (or any tty) opened raw, 8N1, at a given baud rate, optionally with RTS/CTS.
public enum SerialPort {
    /// The baud rates termios supports here.
    public static let baudRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115_200: speed_t(B115200),
        230_400: speed_t(B230400), 460_800: speed_t(B460800), 500_000: speed_t(B500000),
        576_000: speed_t(B576000), 921_600: speed_t(B921600), 1_000_000: speed_t(B1000000),
        1_152_000: speed_t(B1152000), 1_500_000: speed_t(B1500000), 2_000_000: speed_t(B2000000),
        3_000_000: speed_t(B3000000), 4_000_000: speed_t(B4000000),
    ]

    /// Opens and configures `path`; returns its descriptor (the caller owns it).
    public static func open(path: String, baud: Int, hardwareFlowControl: Bool) throws -> CInt {
        guard let speed = baudRates[baud] else { throw LinkError.unsupportedBaudRate(baud) }
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw LinkError.system(operation: "open \(path)", errno: errno) }
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else {
            let code = errno
            close(fd)
            throw LinkError.system(operation: "tcgetattr \(path)", errno: code)
        }
        cfmakeraw(&settings)
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD)
        settings.c_cflag &= ~tcflag_t(CSTOPB | PARENB)
        if hardwareFlowControl {
            settings.c_cflag |= tcflag_t(CRTSCTS)
        } else {
            settings.c_cflag &= ~tcflag_t(CRTSCTS)
        }
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else {
            let code = errno
            close(fd)
            throw LinkError.system(operation: "tcsetattr \(path)", errno: code)
        }
        tcflush(fd, TCIOFLUSH)
        return fd
    }
}
