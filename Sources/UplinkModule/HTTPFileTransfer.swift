import ATCodec

/// SPWF04 HTTPGET/HTTPPOST with files: `<file down>` saves the response body to a module file, `<file up>` sends a
/// module file as the request body.
extension ModuleEngine {
    /// The files a request names, checked before anything goes on the network: the upload's content (`File not
    /// found` when missing) and the download's target (`Invalid file name` when the name is not one the volume takes).
    func httpFiles(_ request: HTTPClientRequest) throws(ATError) -> (download: HTTPDownload?, upload: [UInt8]?) {
        guard request.fileDown != nil || request.fileUp != nil else { return (nil, nil) }
        let volume = try loadFiles()
        var download: HTTPDownload?
        if let name = request.fileDown {
            try volume.checkName(name)
            download = HTTPDownload(name: name, limit: volume.limits.maximumFileSize)
        }
        var upload: [UInt8]?
        if let name = request.fileUp {
            do throws(ATError) {
                upload = try volume.read(name)
            } catch {
                errorDetail = "<file up> \(name)"
                throw error
            }
        }
        return (download, upload)
    }

    /// Saves a finished download: the file is replaced whole by the body, in one atomic write of the volume, or left
    /// as it was (`File too large`, `File system full`). A response that is not 2xx leaves it untouched.
    func storeDownload(_ download: HTTPDownload) throws(ATError) {
        if let failure = download.failure {
            errorDetail = failure.detail
            throw failure.error
        }
        guard let status = download.status, (200..<300).contains(status) else { return }
        var volume = try loadFiles()
        if volume.file(named: download.name) != nil { try volume.delete(download.name) }
        do throws(ATError) {
            try volume.append(download.bytes, to: download.name, create: true)
        } catch {
            errorDetail = "<file down> \(download.name): \(download.bytes.count) bytes"
            throw error
        }
        try saveFiles(volume)
    }
}

/// A response body on its way to a module file: collected in memory (at most the volume's largest file) and written
/// only once the response ended. Confined to the engine's event loop.
final class HTTPDownload {
    /// The module file it goes to.
    let name: String
    /// The most bytes kept: the volume's largest file.
    let limit: Int
    /// The response's status code, once its head came.
    private(set) var status: Int?
    /// The body so far.
    private(set) var bytes: [UInt8] = []
    /// Set when the body passed ``limit``: the rest is not kept, the file is not written.
    private(set) var failure: DetailedFailure?

    init(name: String, limit: Int) {
        self.name = name
        self.limit = limit
    }

    /// Notes the response's status.
    func begin(status: Int) {
        self.status = status
    }

    /// Keeps a part of a 2xx body; past the limit, returns the failure that ends the exchange (`File too large`,
    /// nothing written). Bodies of other statuses are not kept (the file is left as it was).
    func take(_ part: some Collection<UInt8>) -> DetailedFailure? {
        guard failure == nil, let status, (200..<300).contains(status) else { return failure }
        guard bytes.count + part.count <= limit else {
            let failure = DetailedFailure(
                error: .fileTooLarge, detail: "<file down> \(name): the body passed \(limit) bytes")
            self.failure = failure
            return failure
        }
        bytes += part
        return nil
    }
}
