import Foundation
import UplinkCredentials
import UplinkIoTRegistry

/// One operation's input (path parameters, query, headers, body) and its implementation.
struct Call {
    let request: IoTAPIRequest
    let parameters: [String]
    let plane: IoTControlPlane

    var registry: any IoTControlRegistry { plane.registry }
    var settings: IoTControlPlaneSettings { plane.settings }

    /// Runs a registry call, turning its error into AWS's.
    static func registry<T>(_ body: () async throws(IoTRegistryError) -> T) async throws(IoTAPIError) -> T {
        do { return try await body() } catch { throw IoTAPIError(error) }
    }

    func store<T>(_ body: () async throws(IoTRegistryError) -> T) async throws(IoTAPIError) -> T {
        try await Self.registry(body)
    }

    // MARK: Inputs

    func body() throws(IoTAPIError) -> [String: Any] { try IoTJSON.object(request.body) }

    private func queryBool(_ name: String) throws(IoTAPIError) -> Bool? {
        guard let value = request.query[name] else { return nil }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidRequest("\(name) must be true or false, not \(value).")
        }
    }

    private func queryEnum<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type, allowed: [T]? = nil)
        throws(IoTAPIError) -> T? where T.RawValue == String
    {
        guard let value = request.query[name] else { return nil }
        let choices = allowed ?? Array(T.allCases)
        guard let parsed = T(rawValue: value), choices.contains(where: { $0.rawValue == parsed.rawValue }) else {
            throw .invalidRequest(
                "\(name) must be one of \(choices.map(\.rawValue).joined(separator: ", ")), not \(value).")
        }
        return parsed
    }

    private func paging(sizeName: String = "pageSize", markerName: String = "marker") throws(IoTAPIError) -> IoTPaging {
        var paging = IoTPaging()
        if let size = request.query[sizeName] {
            guard let value = Int(size), IoTPaging.pageSizes.contains(value) else {
                throw .invalidRequest("\(sizeName) must be a number from 1 to 250, not \(size).")
            }
            paging.pageSize = value
        }
        paging.marker = request.query[markerName]
        paging.ascending = try queryBool("isAscendingOrder") ?? false
        return paging
    }

    /// A certificate id from the path: 64 hex digits (an optional `0x` dropped), lowercased.
    private func certificateId(_ text: String) throws(IoTAPIError) -> String {
        let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        guard digits.count == 64, digits.allSatisfy(\.isHexDigit) else {
            throw .invalidRequest("Certificate id \(text) is not 64 hexadecimal digits.")
        }
        return digits.lowercased()
    }

    private func name(_ text: String, what: String, allowed: (Character) -> Bool) throws(IoTAPIError) -> String {
        guard (1...128).contains(text.count), text.allSatisfy(allowed) else {
            throw .invalidRequest("\(what) \(text) is not valid: 1 to 128 characters of the allowed set.")
        }
        return text
    }

    private func policyName(_ text: String) throws(IoTAPIError) -> String {
        try name(text, what: "Policy name") { $0.isASCII && ($0.isLetter || $0.isNumber || "_+=,.@-".contains($0)) }
    }

    private func thingName(_ text: String) throws(IoTAPIError) -> String {
        try name(text, what: "Thing name") { $0.isASCII && ($0.isLetter || $0.isNumber || ":_-".contains($0)) }
    }

    private func registrationConfig(_ object: [String: Any]?) async throws(IoTAPIError) -> IoTRegistrationConfig? {
        guard let object else { return nil }
        let config = IoTRegistrationConfig(
            templateBody: try IoTJSON.string(object, "templateBody"), roleArn: try IoTJSON.string(object, "roleArn"),
            templateName: try IoTJSON.string(object, "templateName"))
        if let body = config.templateBody {
            guard body.count <= 10240 else { throw .invalidRequest("templateBody is longer than 10240 characters.") }
            guard (try? JSONSerialization.jsonObject(with: Data(body.utf8))) is [String: Any] else {
                throw .invalidRequest("templateBody is not a JSON object.")
            }
        }
        if let role = config.roleArn, !(role.hasPrefix("arn:aws:iam::") && role.count <= 2048) {
            throw .invalidRequest("roleArn \(role) is not an IAM role ARN.")
        }
        if let name = config.templateName { try await checkJITPTemplate(name, with: config) }
        return config
    }

    // MARK: CA certificates

    func registerCACertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let input = try body()
        let setAsActive = try queryBool("setAsActive") ?? false
        let allowAuto = try queryBool("allowAutoRegistration") ?? false
        let mode = try IoTJSON.string(input, "certificateMode") ?? "DEFAULT"
        guard mode == "DEFAULT" || mode == "SNI_ONLY" else {
            throw .invalidRequest("certificateMode must be DEFAULT or SNI_ONLY, not \(mode).")
        }
        guard mode == "DEFAULT" else {
            throw .invalidRequest("certificateMode SNI_ONLY is not supported by this front; use DEFAULT.")
        }
        let ca = try IoTCertificatePEM(try IoTJSON.requiredString(input, "caCertificate"), field: "caCertificate")
        guard ca.isCA else {
            throw .certificateValidation("caCertificate is not a CA certificate (basicConstraints CA:FALSE).")
        }
        let now = Date()
        try ca.checkValidity(at: now, field: "caCertificate")
        guard let verificationText = try IoTJSON.string(input, "verificationCertificate") else {
            throw .invalidRequest("verificationCertificate is required when certificateMode is DEFAULT.")
        }
        let verification = try IoTCertificatePEM(verificationText, field: "verificationCertificate")
        let code = try await plane.registrationCode()
        guard verification.certificate.commonName == code else {
            throw .registrationCodeValidation(
                "The verification certificate's common name is not this account's registration code.")
        }
        if let why = verification.certificate.isIssued(by: ca.certificate) {
            throw .certificateValidation("The verification certificate was not signed by the CA's key: \(why).")
        }
        try verification.checkValidity(at: now, field: "verificationCertificate")
        let config = try await registrationConfig(try IoTJSON.dictionary(input, "registrationConfig"))
        let record = IoTCACertificate(
            certificateId: ca.id, certificateArn: settings.arn("cacert/\(ca.id)"), certificatePem: ca.pem,
            status: setAsActive ? .active : .inactive, autoRegistrationStatus: allowAuto ? .enable : .disable,
            registrationConfig: config, creationDate: now, lastModifiedDate: now, customerVersion: 1,
            generationId: UUID().uuidString.lowercased())
        try await store { () throws(IoTRegistryError) in try await registry.createCACertificate(record) }
        return .ok(["certificateArn": record.certificateArn, "certificateId": record.certificateId])
    }

    func updateCACertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        let input = try body()
        var update = IoTCACertificateUpdate(
            status: try queryEnum("newStatus", IoTCACertificateStatus.self),
            autoRegistrationStatus: try queryEnum("newAutoRegistrationStatus", IoTAutoRegistrationStatus.self))
        update.registrationConfig = try await registrationConfig(try IoTJSON.dictionary(input, "registrationConfig"))
        update.removeRegistrationConfig = try IoTJSON.bool(input, "removeAutoRegistration") ?? false
        if update.removeRegistrationConfig && update.registrationConfig != nil {
            throw .invalidRequest("registrationConfig and removeAutoRegistration cannot be given together.")
        }
        try await store { () throws(IoTRegistryError) in
            try await registry.updateCACertificate(id: id, update, at: Date())
        }
        return IoTAPIResponse(status: 200, body: [])
    }

    func describeCACertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        guard let ca = try await store({ () throws(IoTRegistryError) in try await registry.caCertificate(id: id) })
        else { throw .notFound("CA certificate \(id) does not exist.") }
        var description: [String: Any] = [
            "certificateArn": ca.certificateArn, "certificateId": ca.certificateId, "status": ca.status.rawValue,
            "certificatePem": ca.certificatePem, "ownedBy": settings.accountId,
            "creationDate": IoTJSON.date(ca.creationDate), "autoRegistrationStatus": ca.autoRegistrationStatus.rawValue,
            "lastModifiedDate": IoTJSON.date(ca.lastModifiedDate), "customerVersion": ca.customerVersion,
            "generationId": ca.generationId, "certificateMode": "DEFAULT",
        ]
        if let validity = Self.validity(ca.certificatePem) { description["validity"] = validity }
        var output: [String: Any] = ["certificateDescription": description]
        if let config = ca.registrationConfig {
            var object = [String: Any]()
            if let body = config.templateBody { object["templateBody"] = body }
            if let role = config.roleArn { object["roleArn"] = role }
            if let name = config.templateName { object["templateName"] = name }
            output["registrationConfig"] = object
        }
        return .ok(output)
    }

    private static func validity(_ pem: String) -> [String: Any]? {
        guard let parsed = try? IoTCertificatePEM(pem, field: "stored") else { return nil }
        return [
            "notBefore": IoTJSON.date(parsed.certificate.notBefore),
            "notAfter": IoTJSON.date(parsed.certificate.notAfter),
        ]
    }

    func deleteCACertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        try await store { () throws(IoTRegistryError) in try await registry.deleteCACertificate(id: id) }
        return .ok([:])
    }

    func listCACertificates() async throws(IoTAPIError) -> IoTAPIResponse {
        let paging = try paging()
        let templateName = request.query["templateName"]
        let page = try await store { () throws(IoTRegistryError) in try await registry.listCACertificates(paging) }
        var output: [String: Any] = [
            "certificates": page.items.filter {
                templateName == nil || $0.registrationConfig?.templateName == templateName
            }
            .map { ca -> [String: Any] in
                [
                    "certificateArn": ca.certificateArn, "certificateId": ca.certificateId,
                    "status": ca.status.rawValue, "creationDate": IoTJSON.date(ca.creationDate),
                ]
            }
        ]
        if let next = page.nextMarker { output["nextMarker"] = next }
        return .ok(output)
    }

    func getRegistrationCode() async throws(IoTAPIError) -> IoTAPIResponse {
        .ok(["registrationCode": try await plane.registrationCode()])
    }

    // MARK: Device certificates

    func registerCertificate(withCA: Bool) async throws(IoTAPIError) -> IoTAPIResponse {
        let input = try body()
        let leaf = try IoTCertificatePEM(try IoTJSON.requiredString(input, "certificatePem"), field: "certificatePem")
        var status: IoTCertificateStatus = .inactive
        if withCA, try queryBool("setAsActive") == true { status = .active }
        if let text = try IoTJSON.string(input, "status") {
            guard let parsed = IoTCertificateStatus(rawValue: text) else {
                throw .invalidRequest(
                    "status must be one of \(IoTCertificateStatus.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)."
                )
            }
            guard parsed != .pendingTransfer else {
                throw .certificateState("A certificate cannot be registered in PENDING_TRANSFER.")
            }
            status = parsed == .registerInactive ? .inactive : parsed
        }
        var caId: String?
        if withCA {
            caId = try await issuingCA(of: leaf, declared: try IoTJSON.string(input, "caCertificatePem"))
        }
        let now = Date()
        let record = IoTCertificate(
            certificateId: leaf.id, certificateArn: settings.arn("cert/\(leaf.id)"), certificatePem: leaf.pem,
            status: status, caCertificateId: caId, creationDate: now, lastModifiedDate: now, customerVersion: 1,
            generationId: UUID().uuidString.lowercased())
        try await store { () throws(IoTRegistryError) in try await registry.createCertificate(record) }
        return .ok(["certificateArn": record.certificateArn, "certificateId": record.certificateId])
    }

    /// The id of the registered CA that signed `leaf` (the declared one when given); it must be ACTIVE.
    private func issuingCA(of leaf: IoTCertificatePEM, declared: String?) async throws(IoTAPIError) -> String {
        var candidates: [IoTCACertificate]
        if let declared {
            let ca = try IoTCertificatePEM(declared, field: "caCertificatePem")
            guard
                let record = try await store({ () throws(IoTRegistryError) in
                    try await registry.caCertificate(id: ca.id)
                })
            else { throw .certificateValidation("caCertificatePem is not a registered CA certificate.") }
            candidates = [record]
        } else {
            candidates = try await store { () throws(IoTRegistryError) in try await registry.caCertificates() }
        }
        var reasons = [String]()
        for candidate in candidates {
            guard let ca = try? IoTCertificatePEM(candidate.certificatePem, field: "stored") else { continue }
            if let why = leaf.certificate.isIssued(by: ca.certificate) {
                reasons.append(why)
                continue
            }
            guard candidate.status == .active else {
                throw .certificateState("The CA certificate \(candidate.certificateId) that signed it is INACTIVE.")
            }
            return candidate.certificateId
        }
        throw .certificateValidation(
            "The certificate was not signed by a registered CA certificate"
                + (declared != nil && !reasons.isEmpty ? ": \(reasons[0])." : "."))
    }

    func updateCertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        guard let status = try queryEnum("newStatus", IoTCertificateStatus.self) else {
            throw .invalidRequest("newStatus is required.")
        }
        guard status != .pendingActivation && status != .pendingTransfer else {
            throw .invalidRequest("\(status.rawValue) is a status AWS IoT sets itself; it cannot be requested.")
        }
        guard let current = try await store({ () throws(IoTRegistryError) in try await registry.certificate(id: id) })
        else { throw .notFound("Certificate \(id) does not exist.") }
        if current.status == .revoked && status != .revoked {
            throw .certificateState("Certificate \(id) is REVOKED; a revoked certificate cannot change status.")
        }
        if current.status == .pendingTransfer {
            throw .certificateState("Certificate \(id) is PENDING_TRANSFER.")
        }
        let newStatus: IoTCertificateStatus = status == .registerInactive ? .inactive : status
        try await store { () throws(IoTRegistryError) in
            try await registry.updateCertificateStatus(id: id, to: newStatus)
        }
        return IoTAPIResponse(status: 200, body: [])
    }

    func describeCertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        guard
            let certificate = try await store({ () throws(IoTRegistryError) in try await registry.certificate(id: id) })
        else { throw .notFound("Certificate \(id) does not exist.") }
        var description: [String: Any] = [
            "certificateArn": certificate.certificateArn, "certificateId": certificate.certificateId,
            "status": certificate.status.rawValue, "certificatePem": certificate.certificatePem,
            "ownedBy": settings.accountId, "creationDate": IoTJSON.date(certificate.creationDate),
            "lastModifiedDate": IoTJSON.date(certificate.lastModifiedDate),
            "customerVersion": certificate.customerVersion, "generationId": certificate.generationId,
            "transferData": [String: Any](), "certificateMode": "DEFAULT",
        ]
        if let ca = certificate.caCertificateId { description["caCertificateId"] = ca }
        if let validity = Self.validity(certificate.certificatePem) { description["validity"] = validity }
        return .ok(["certificateDescription": description])
    }

    func deleteCertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let id = try certificateId(parameters[0])
        let force = try queryBool("forceDelete") ?? false
        try await store { () throws(IoTRegistryError) in try await registry.deleteCertificate(id: id, force: force) }
        return IoTAPIResponse(status: 200, body: [])
    }

    func listCertificates(byCA: Bool) async throws(IoTAPIError) -> IoTAPIResponse {
        let caId = byCA ? try certificateId(parameters[0]) : nil
        let paging = try paging()
        let page = try await store { () throws(IoTRegistryError) in
            try await registry.listCertificates(caCertificateId: caId, paging)
        }
        var output: [String: Any] = [
            "certificates": page.items.map { certificate -> [String: Any] in
                [
                    "certificateArn": certificate.certificateArn, "certificateId": certificate.certificateId,
                    "status": certificate.status.rawValue, "certificateMode": "DEFAULT",
                    "creationDate": IoTJSON.date(certificate.creationDate),
                ]
            }
        ]
        if let next = page.nextMarker { output["nextMarker"] = next }
        return .ok(output)
    }

    /// A new RSA 2048 key and a certificate for it. AWS signs it with Amazon's CA; this front has none,
    /// so the certificate is self-signed (subject `CN=AWS IoT Certificate`) and registered without a CA.
    func createKeysAndCertificate() async throws(IoTAPIError) -> IoTAPIResponse {
        let status: IoTCertificateStatus = try queryBool("setAsActive") == true ? .active : .inactive
        let now = Date()
        let key: CredentialKey
        let certificate: CredentialCertificate
        let privatePEM: String
        do {
            key = try CredentialKey.generate(.rsa2048)
            certificate = try CertificateFactory.issue(
                subject: DevPKI.name(common: "AWS IoT Certificate", organization: "Uplink IoT front"), key: key,
                role: .client, notBefore: now.addingTimeInterval(-60),
                notAfter: now.addingTimeInterval(30 * 365 * 86400))
            privatePEM = try key.pemString(.pkcs1)
        } catch {
            throw IoTAPIError("InternalFailureException", 500, "Key generation failed: \(error)")
        }
        let publicPEM = PEMBlock(label: "PUBLIC KEY", derBytes: Array(key.publicKey.subjectPublicKeyInfoBytes))
            .pemString
        let id = IoTCertificatePEM.id(of: certificate.derBytes)
        let record = IoTCertificate(
            certificateId: id, certificateArn: settings.arn("cert/\(id)"), certificatePem: certificate.pemString,
            status: status, caCertificateId: nil, creationDate: now, lastModifiedDate: now, customerVersion: 1,
            generationId: UUID().uuidString.lowercased())
        try await store { () throws(IoTRegistryError) in try await registry.createCertificate(record) }
        return .ok([
            "certificateArn": record.certificateArn, "certificateId": id, "certificatePem": record.certificatePem,
            "keyPair": ["PublicKey": publicPEM, "PrivateKey": privatePEM],
        ])
    }

    // MARK: Policies

    func createPolicy() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try policyName(parameters[0])
        let input = try body()
        let document = try IoTJSON.requiredString(input, "policyDocument")
        try IoTPolicyDocument.validate(document)
        let now = Date()
        let policy = IoTPolicy(
            policyName: name, policyArn: settings.arn("policy/\(name)"), policyDocument: document,
            defaultVersionId: "1",
            creationDate: now, lastModifiedDate: now, generationId: UUID().uuidString.lowercased())
        try await store { () throws(IoTRegistryError) in try await registry.createPolicy(policy) }
        return .ok([
            "policyName": name, "policyArn": policy.policyArn, "policyDocument": document, "policyVersionId": "1",
        ])
    }

    func getPolicy() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try policyName(parameters[0])
        guard let policy = try await store({ () throws(IoTRegistryError) in try await registry.policy(name: name) })
        else { throw .notFound("Policy \(name) does not exist.") }
        return .ok([
            "policyName": policy.policyName, "policyArn": policy.policyArn, "policyDocument": policy.policyDocument,
            "defaultVersionId": policy.defaultVersionId, "creationDate": IoTJSON.date(policy.creationDate),
            "lastModifiedDate": IoTJSON.date(policy.lastModifiedDate), "generationId": policy.generationId,
        ])
    }

    /// The most policies one target may have (AWS's quota).
    static let policiesPerTarget = 10

    func attachPolicy(detach: Bool) async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try policyName(parameters[0])
        let target = try IoTJSON.requiredString(try body(), "target")
        try await checkTarget(target)
        if detach {
            try await store { () throws(IoTRegistryError) in try await registry.detachPolicy(name: name, target: target)
            }
            return IoTAPIResponse(status: 200, body: [])
        }
        guard try await store({ () throws(IoTRegistryError) in try await registry.policy(name: name) }) != nil else {
            throw .notFound("Policy \(name) does not exist.")
        }
        let attached = try await store { () throws(IoTRegistryError) in
            try await registry.attachedPolicies(target: target)
        }
        if !attached.contains(where: { $0.policyName == name }) && attached.count >= Self.policiesPerTarget {
            throw .limitExceeded("\(target) has \(attached.count) policies attached, the most allowed.")
        }
        try await store { () throws(IoTRegistryError) in try await registry.attachPolicy(name: name, target: target) }
        return IoTAPIResponse(status: 200, body: [])
    }

    /// A target must be a certificate ARN of this account and region whose certificate is registered.
    private func checkTarget(_ target: String) async throws(IoTAPIError) {
        let prefix = settings.arn("cert/")
        guard target.hasPrefix(prefix) else {
            throw .invalidRequest("Target \(target) is not a certificate ARN of the form \(prefix)<certificateId>.")
        }
        let id = try certificateId(String(target.dropFirst(prefix.count)))
        guard try await store({ () throws(IoTRegistryError) in try await registry.certificate(id: id) }) != nil else {
            throw .notFound("Certificate \(id) does not exist.")
        }
    }

    func listAttachedPolicies() async throws(IoTAPIError) -> IoTAPIResponse {
        let target = parameters[0]
        let paging = try paging()
        let policies = try await store { () throws(IoTRegistryError) in
            try await registry.attachedPolicies(target: target)
        }
        let start: Int
        if let marker = paging.marker {
            guard let value = Int(marker), (0...policies.count).contains(value) else {
                throw .invalidRequest("The marker \(marker) is not valid.")
            }
            start = value
        } else {
            start = 0
        }
        let end = min(policies.count, start + paging.pageSize)
        var output: [String: Any] = [
            "policies": policies[start..<end].map { ["policyName": $0.policyName, "policyArn": $0.policyArn] }
        ]
        if end < policies.count { output["nextMarker"] = String(end) }
        return .ok(output)
    }

    // MARK: Things

    func createThing() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try thingName(parameters[0])
        let input = try body()
        if let type = try IoTJSON.string(input, "thingTypeName") {
            throw .notFound("Thing type \(type) does not exist (this front keeps no thing types).")
        }
        if let group = try IoTJSON.string(input, "billingGroupName") {
            throw .notFound("Billing group \(group) does not exist (this front keeps no billing groups).")
        }
        var attributes = [String: String]()
        if let payload = try IoTJSON.dictionary(input, "attributePayload"),
            let values = try IoTJSON.dictionary(payload, "attributes")
        {
            guard values.count <= 50 else { throw .invalidRequest("A thing has at most 50 attributes.") }
            for (key, value) in values {
                guard let text = value as? String, (1...128).contains(key.count), text.count <= 800 else {
                    throw .invalidRequest("Attribute \(key) must be a string of at most 800 characters.")
                }
                attributes[key] = text
            }
        }
        let thing = IoTThing(
            thingName: name, thingArn: settings.arn("thing/\(name)"), thingId: UUID().uuidString.lowercased(),
            thingTypeName: nil, attributes: attributes, version: 1)
        do {
            try await registry.createThing(thing)
        } catch {
            guard case .alreadyExists = error,
                let existing = try await store({ () throws(IoTRegistryError) in try await registry.thing(name: name) })
            else { throw IoTAPIError(error) }
            guard existing.attributes == attributes && existing.thingTypeName == nil else {
                throw IoTAPIError(
                    "ResourceAlreadyExistsException", 409,
                    "Thing \(name) already exists with a different configuration.",
                    fields: ["resourceId": existing.thingId, "resourceArn": existing.thingArn])
            }
            return .ok(["thingName": name, "thingArn": existing.thingArn, "thingId": existing.thingId])
        }
        return .ok(["thingName": name, "thingArn": thing.thingArn, "thingId": thing.thingId])
    }

    func describeThing() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try thingName(parameters[0])
        guard let thing = try await store({ () throws(IoTRegistryError) in try await registry.thing(name: name) })
        else { throw .notFound("Thing \(name) does not exist.") }
        var output: [String: Any] = [
            "defaultClientId": thing.thingName, "thingName": thing.thingName, "thingId": thing.thingId,
            "thingArn": thing.thingArn, "attributes": thing.attributes, "version": thing.version,
        ]
        if let type = thing.thingTypeName { output["thingTypeName"] = type }
        return .ok(output)
    }

    func attachThingPrincipal() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try thingName(parameters[0])
        guard let principal = request.headers["x-amzn-principal"], !principal.isEmpty else {
            throw .invalidRequest("The x-amzn-principal header (the principal) is required.")
        }
        let exclusive = request.query["thingPrincipalType"]
        if let exclusive, exclusive != "EXCLUSIVE_THING" && exclusive != "NON_EXCLUSIVE_THING" {
            throw .invalidRequest(
                "thingPrincipalType must be EXCLUSIVE_THING or NON_EXCLUSIVE_THING, not \(exclusive).")
        }
        guard try await store({ () throws(IoTRegistryError) in try await registry.thing(name: name) }) != nil else {
            throw .notFound("Thing \(name) does not exist.")
        }
        try await checkTarget(principal)
        if exclusive == "EXCLUSIVE_THING" {
            let others = try await store { () throws(IoTRegistryError) in
                try await registry.thingNames(principal: principal)
            }
            if others.contains(where: { $0 != name }) {
                throw .invalidRequest("\(principal) is attached to another thing; it cannot be attached exclusively.")
            }
        }
        try await store { () throws(IoTRegistryError) in
            try await registry.attachThingPrincipal(thingName: name, principal: principal)
        }
        return .ok([:])
    }

    func listThingPrincipals() async throws(IoTAPIError) -> IoTAPIResponse {
        let name = try thingName(parameters[0])
        let principals = try await store { () throws(IoTRegistryError) in
            try await registry.thingPrincipals(thingName: name)
        }
        var size = 25
        if let text = request.query["maxResults"] {
            guard let value = Int(text), (1...250).contains(value) else {
                throw .invalidRequest("maxResults must be a number from 1 to 250, not \(text).")
            }
            size = value
        }
        var start = 0
        if let token = request.query["nextToken"] {
            guard let value = Int(token), (0...principals.count).contains(value) else {
                throw .invalidRequest("The nextToken \(token) is not valid.")
            }
            start = value
        }
        let end = min(principals.count, start + size)
        var output: [String: Any] = ["principals": Array(principals[start..<end])]
        if end < principals.count { output["nextToken"] = String(end) }
        return .ok(output)
    }

    // MARK: Endpoint

    func describeEndpoint() async throws(IoTAPIError) -> IoTAPIResponse {
        let type = request.query["endpointType"] ?? "iot:Data"
        let key = "endpoint-prefix:\(settings.accountId)"
        let prefix = try await store { () throws(IoTRegistryError) in
            try await registry.setting(key) { IoTIdentifiers.endpointPrefix() }
        }
        let region = settings.region
        let address: String
        switch type {
        case "iot:Data": address = "\(prefix).iot.\(region).amazonaws.com"
        case "iot:Data-ATS": address = "\(prefix)-ats.iot.\(region).amazonaws.com"
        case "iot:CredentialProvider": address = "\(prefix).credentials.iot.\(region).amazonaws.com"
        case "iot:Jobs": address = "\(prefix).jobs.iot.\(region).amazonaws.com"
        default:
            throw .invalidRequest(
                "endpointType must be iot:Data, iot:Data-ATS, iot:CredentialProvider or iot:Jobs, not \(type).")
        }
        return .ok(["endpointAddress": address])
    }
}
