import Testing
import UplinkIoTFront
import UplinkIoTRegistry

/// `IoTProvisioningTemplate.problem(body:type:)`: what CreateProvisioningTemplate refuses, by the JITP evaluator.
@Suite(.timeLimit(.minutes(1))) struct ProvisioningTemplateCheckTests {
    static let thingFromCN =
        #"{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}}}"#
    static let cnParameter = #"{"AWS::IoT::Certificate::CommonName":{"Type":"String"}}"#

    @Test func usableJITPTemplatesPass() {
        #expect(IoTProvisioningTemplate.problem(body: #"{"Resources":{}}"#, type: .jitp) == nil)
        let thing = #"{"Parameters":\#(Self.cnParameter),"Resources":\#(Self.thingFromCN)}"#
        #expect(IoTProvisioningTemplate.problem(body: thing, type: .jitp) == nil)
        // An index past the end depends on the certificate's CN, not on the template: found at provisioning.
        let select = """
            {"Parameters":\(Self.cnParameter),"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":
            {"Fn::Select":[1,{"Fn::Split":["-",{"Ref":"AWS::IoT::Certificate::CommonName"}]}]}}}}}
            """
        #expect(IoTProvisioningTemplate.problem(body: select, type: .jitp) == nil)
        // A parameter outside the certificate's with a Default is fine.
        let defaulted = #"{"Parameters":{"Site":{"Type":"String","Default":"lab"}},"Resources":{}}"#
        #expect(IoTProvisioningTemplate.problem(body: defaulted, type: .jitp) == nil)
    }

    @Test func templatesJITPCannotRunAreRefusedWithTheReason() throws {
        let cases: [(String, String)] = [
            ("{not json", "not a JSON object"),
            (#"{"Parameters":{}}"#, "no Resources"),
            (#"{"Resources":{"b":{"Type":"AWS::S3::Bucket"}}}"#, "AWS::S3::Bucket"),
            (#"{"Parameters":{"Site":{"Type":"String"}},"Resources":{}}"#, "Site"),
            (
                #"{"Resources":{"c":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":"abc"}}}}"#,
                "CertificateId"
            ),
            (#"{"Resources":{"p":{"Type":"AWS::IoT::Policy","Properties":{"PolicyDocument":"{}"}}}}"#, "p"),
            (
                #"{"Resources":{"t":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::FindInMap":["a","b","c"]}}}}}"#,
                "Fn::FindInMap"
            ),
            (
                #"{"Resources":{"t":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::Select":[-1,["a"]]}}}}}"#,
                "-1"
            ),
        ]
        for (body, reason) in cases {
            let problem = try #require(IoTProvisioningTemplate.problem(body: body, type: .jitp), "\(body)")
            #expect(problem.contains(reason), "\(problem)")
        }
    }

    @Test func fleetTemplatesAreCheckedForFormOnly() {
        let custom = #"{"Parameters":{"SerialNumber":{"Type":"String"}},"Resources":{}}"#
        #expect(IoTProvisioningTemplate.problem(body: custom, type: .fleetProvisioning) == nil)
        #expect(IoTProvisioningTemplate.problem(body: custom, type: .jitp) != nil)
        #expect(IoTProvisioningTemplate.problem(body: "[]", type: .fleetProvisioning) != nil)
    }
}
