/// Runs `body`, then `cleanup` whether `body` returned or threw: an `async` `defer`, for the `with…` helpers that
/// stop what they started (``withStopping(_:_:)``, the tests').
public func withCleanup<Result>(
    _ body: () async throws -> Result, cleanup: () async -> Void
) async throws -> Result {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}
