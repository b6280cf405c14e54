import Foundation
import Testing
import UplinkTestSupport

/// A child started by `ChildProcess` inherits no descriptor but its standard ones. SwiftNIO's pipe bootstrap `dup`s a
/// pseudo-terminal's descriptor without close-on-exec: a child that inherited it kept the module's pseudo-terminal
/// open after the module stopped, and the host never saw it go (the driver's "module goes away" test failed when
/// another test started a process meanwhile).
@Suite("ChildProcess: descriptors", .timeLimit(.minutes(1)))
struct ChildProcessDescriptorTests {
    @Test("a descriptor without close-on-exec stays out of the child")
    func noInheritedDescriptor() async throws {
        let source = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(source >= 0)
        defer { close(source) }
        let leaky = fcntl(source, F_DUPFD, 200)  // F_DUPFD: the copy is not close-on-exec
        try #require(leaky >= 200)
        defer { close(leaky) }
        #expect(fcntl(leaky, F_GETFD) & FD_CLOEXEC == 0)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(path: "/bin/ls", arguments: ["/proc/self/fd"], outputPath: output)
        #expect(child.wait(timeout: 30) == 0)
        let listed = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        #expect(listed.contains(0) && listed.contains(1) && listed.contains(2), "\(listed)")
        #expect(!listed.contains(Int(leaky)), "the child inherited descriptor \(leaky): \(listed)")
        #expect(
            listed.allSatisfy { $0 <= 3 }, "the child holds more than its standard descriptors and ls's own: \(listed)")
    }
}
