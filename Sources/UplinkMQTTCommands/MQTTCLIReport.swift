import ATCodec
import ArgumentParser
import UplinkDriver
import UplinkMQTT

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns client errors into messages a person can act on, and exits.
enum MQTTCLIReport {
    static func fail(_ error: any Error, host: String, port: Int?) -> ExitCode {
        let text: String
        switch error {
        case MQTTClientError.connectionRefused(let code, let reason):
            let detail = reason.map { " (\($0))" } ?? ""
            switch code {
            case .badUserNameOrPassword:
                text = "connection refused: bad user name or password\(detail)"
            case .notAuthorized:
                text = "connection refused: not authorized\(detail) — check the credentials and the broker's ACL/policy"
            default:
                text =
                    "connection refused by the broker: \(code.name) (reason code 0x\(String(code.rawValue, radix: 16)))\(detail)"
            }
        case MQTTClientError.transportError(let failure):
            text = (failure.error as? ModuleDriverError).map { moduleAdvice($0, host: host) } ?? failure.description
        case let error as MQTTViaCredentialError:
            text = error.description
        case let error as ModuleDriverError:
            text = moduleAdvice(error, host: host)
        case let error as MQTTClientError:
            text = error.description
        case let error as MQTTCLIError:
            text = error.description
        default:
            text = "\(error)"
        }
        writeError("\(commandName): \(text)\n")
        return ExitCode(1)
    }

    /// A module's failure with what to run to see why, where a command of this project tells.
    static func moduleAdvice(_ error: ModuleDriverError, host: String) -> String {
        switch error.moduleError {
        case ATError.failedToResolve?:
            return "the module could not resolve \(host) (ERROR: \(ATError.failedToResolve.text)). "
                + "See why, for each module profile: uplink dns \(host)"
        case let moduleError? where moduleError.isHandshakeFailure:
            return "TLS through the module failed (\(moduleError.text))"
        default:
            return "through the module: \(error)"
        }
    }

    /// How the user called the commands: `uplink-mqtt` for the standalone executable, else `uplink mqtt`.
    static var commandName: String {
        let invoked = CommandLine.arguments.first ?? ""
        return invoked.split(separator: "/").last == "uplink-mqtt" ? "uplink-mqtt" : "uplink mqtt"
    }

    static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
