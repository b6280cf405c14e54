import ArgumentParser
import Foundation
import UplinkIoTRegistry

/// `uplink iot stress-writer`: a test aid (hidden) that provisions devices one transaction at a time and prints
/// each certificate id once its transaction has committed — the crash test kills it at random moments.
struct IoTStressWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-writer", abstract: "Write test devices to the registry (test aid).", shouldDisplay: false)

    @OptionGroup var registryOptions: IoTRegistryOptions

    @Option(name: .long, help: "How many devices.")
    var count = 1000

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be 1 to 1000000") }
    }

    func run() async throws {
        let registry = try await registryOptions.open()
        let settings = registryOptions.settings
        let arn = { (resource: String) in "arn:aws:iot:\(settings.region):\(settings.accountId):\(resource)" }
        let policyName = "stress-writer"
        for _ in 0..<count {
            var generator = SystemRandomNumberGenerator()
            let id = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            let now = Date()
            let certificate = IoTCertificate(
                certificateId: id, certificateArn: arn("cert/\(id)"), certificatePem: "stress \(id)", status: .active,
                caCertificateId: nil, creationDate: now, lastModifiedDate: now, customerVersion: 1, generationId: id)
            let thingName = "stress-\(id.prefix(16))"
            let policy = IoTPolicy(
                policyName: policyName, policyArn: arn("policy/\(policyName)"),
                policyDocument:
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}"#,
                defaultVersionId: "1", creationDate: now, lastModifiedDate: now, generationId: "1")
            let plan = IoTProvisioningPlan(
                certificate: certificate,
                things: [
                    IoTThing(
                        thingName: thingName, thingArn: arn("thing/\(thingName)"), thingId: UUID().uuidString,
                        thingTypeName: nil, attributes: ["serial": id], version: 1)
                ],
                policies: [policy],
                policyAttachments: [.init(policyName: policyName, target: certificate.certificateArn)],
                thingPrincipals: [.init(thingName: thingName, principal: certificate.certificateArn)])
            try await registry.provision(plan)
            FileHandle.standardOutput.write(Data((id + "\n").utf8))
        }
    }
}
