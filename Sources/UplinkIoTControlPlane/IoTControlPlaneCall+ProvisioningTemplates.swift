import Foundation
import UplinkIoTFront
import UplinkIoTRegistry

/// The provisioning-template operations (botocore's shapes) and the check of a CA's `registrationConfig.templateName`.
extension Call {
    /// A template name: 1 to 36 of `[0-9A-Za-z_-]` (AWS's `TemplateName`).
    func templateName(_ text: String) throws(IoTAPIError) -> String {
        guard (1...36).contains(text.count),
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { throw .invalidRequest("Template name \(text) is not valid: 1 to 36 of [0-9A-Za-z_-].") }
        return text
    }

    /// A CA's `registrationConfig` naming a template: it must exist (ResourceNotFoundException, as AWS lists for
    /// RegisterCACertificate) and be a JITP template, and it cannot come with a `templateBody` as well.
    func checkJITPTemplate(_ name: String, with config: IoTRegistrationConfig) async throws(IoTAPIError) {
        _ = try templateName(name)
        guard config.templateBody == nil else {
            throw .invalidRequest("registrationConfig takes templateName or templateBody, not both.")
        }
        guard
            let template = try await store({ () throws(IoTRegistryError) in
                try await registry.provisioningTemplate(name: name)
            })
        else { throw .notFound("Provisioning template \(name) does not exist.") }
        guard template.type == .jitp else {
            throw .invalidRequest(
                "Provisioning template \(name) is of type \(template.type.rawValue): a CA's registrationConfig needs a JITP template."
            )
        }
    }

    private func description(_ input: [String: Any]) throws(IoTAPIError) -> String? {
        guard let text = try IoTJSON.string(input, "description") else { return nil }
        guard text.count <= 500, !text.unicodeScalars.contains(where: Self.isOther) else {
            throw .invalidRequest("description must be at most 500 characters, none of them control characters.")
        }
        return text
    }

    /// Unicode category C (control, format, surrogate, private use, unassigned): what `[^\p{C}]*` excludes.
    private static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// `provisioningRoleArn`: an IAM ARN of 20 to 2048 characters.
    private func roleArn(_ role: String) throws(IoTAPIError) -> String {
        guard role.hasPrefix("arn:aws:iam::"), (20...2048).contains(role.count) else {
            throw .invalidRequest("provisioningRoleArn \(role) is not an IAM role ARN.")
        }
        return role
    }

    private func summary(_ template: IoTProvisioningTemplateRecord) -> [String: Any] {
        var object: [String: Any] = [
            "templateArn": template.templateArn, "templateName": template.templateName,
            "creationDate": IoTJSON.date(template.creationDate),
            "lastModifiedDate": IoTJSON.date(template.lastModifiedDate), "enabled": template.enabled,
            "type": template.type.rawValue,
        ]
        if let description = template.description { object["description"] = description }
        return object
    }

    func createProvisioningTemplate() async throws(IoTAPIError) -> IoTAPIResponse {
        let input = try body()
        let name = try templateName(try IoTJSON.requiredString(input, "templateName"))
        let templateBody = try IoTJSON.requiredString(input, "templateBody")
        let role = try roleArn(try IoTJSON.requiredString(input, "provisioningRoleArn"))
        let typeText = try IoTJSON.string(input, "type") ?? IoTProvisioningTemplateType.fleetProvisioning.rawValue
        guard let type = IoTProvisioningTemplateType(rawValue: typeText) else {
            throw .invalidRequest("type must be FLEET_PROVISIONING or JITP, not \(typeText).")
        }
        if try IoTJSON.dictionary(input, "preProvisioningHook") != nil {
            throw .invalidRequest(
                type == .jitp
                    ? "preProvisioningHook is only for FLEET_PROVISIONING templates."
                    : "preProvisioningHook is not supported by this front (it runs no fleet provisioning).")
        }
        if let problem = IoTProvisioningTemplate.problem(body: templateBody, type: type) {
            throw .invalidRequest("templateBody is not a valid \(type.rawValue) template: \(problem).")
        }
        let now = Date()
        let template = IoTProvisioningTemplateRecord(
            templateName: name, templateArn: settings.arn("provisioningtemplate/\(name)"), templateBody: templateBody,
            provisioningRoleArn: role, type: type, enabled: try IoTJSON.bool(input, "enabled") ?? false,
            description: try description(input), creationDate: now, lastModifiedDate: now)
        try await store { () throws(IoTRegistryError) in try await registry.createProvisioningTemplate(template) }
        return .ok([
            "templateArn": template.templateArn, "templateName": name, "defaultVersionId": template.defaultVersionId,
        ])
    }

    func describeProvisioningTemplate() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try templateName(parameters[0])
        guard
            let template = try await store({ () throws(IoTRegistryError) in
                try await registry.provisioningTemplate(name: name)
            })
        else { throw .notFound("Provisioning template \(name) does not exist.") }
        var output = summary(template)
        output["templateBody"] = template.templateBody
        output["provisioningRoleArn"] = template.provisioningRoleArn
        output["defaultVersionId"] = template.defaultVersionId
        return .ok(output)
    }

    func listProvisioningTemplates() async throws(IoTAPIError) -> IoTAPIResponse {
        var paging = IoTPaging(ascending: true)
        if let text = request.query["maxResults"] {
            guard let size = Int(text), IoTPaging.pageSizes.contains(size) else {
                throw .invalidRequest("maxResults must be a number from 1 to 250, not \(text).")
            }
            paging.pageSize = size
        }
        paging.marker = request.query["nextToken"]
        let page = try await store { () throws(IoTRegistryError) in
            try await registry.listProvisioningTemplates(paging)
        }
        var output: [String: Any] = ["templates": page.items.map(summary)]
        if let next = page.nextMarker { output["nextToken"] = next }
        return .ok(output)
    }

    func updateProvisioningTemplate() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try templateName(parameters[0])
        let input = try body()
        if try IoTJSON.dictionary(input, "preProvisioningHook") != nil {
            throw .invalidRequest("preProvisioningHook is not supported by this front (it runs no fleet provisioning).")
        }
        if let value = input["defaultVersionId"], !(value is NSNull) {
            guard let number = value as? NSNumber else { throw .invalidRequest("defaultVersionId must be a number.") }
            // One version per template here: version 1 is the only one that exists.
            guard number.intValue == 1 else {
                throw .notFound("Version \(number) of provisioning template \(name) does not exist.")
            }
        }
        var update = IoTProvisioningTemplateUpdate(
            description: try description(input), enabled: try IoTJSON.bool(input, "enabled"))
        if let role = try IoTJSON.string(input, "provisioningRoleArn") {
            update.provisioningRoleArn = try roleArn(role)
        }
        try await store { () throws(IoTRegistryError) in
            try await registry.updateProvisioningTemplate(name: name, update, at: Date())
        }
        return .ok([:])
    }

    func deleteProvisioningTemplate() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try templateName(parameters[0])
        try await store { () throws(IoTRegistryError) in try await registry.deleteProvisioningTemplate(name: name) }
        return .ok([:])
    }
}
