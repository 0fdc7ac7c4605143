/// What a test must undo, registered as it acquires it (a server started, a
/// client opened, a deployment or receiver running) and undone, last first,
/// when the test's body ends, whether it returned or threw: the
/// asynchronous `defer` Swift does not have, as Go's `t.Cleanup`. A failed
/// `#require` or a call that throws then leaves nothing serving into the
/// next test.
///
///     try await withTeardown { teardown in
///       let (server, port) = try Self.server()
///       teardown.add { await server.shutdown() }
///       let client = try RPCClient(host: "127.0.0.1", port: port)
///       teardown.add { await client.close() }
///       // the test, free to throw
///     }
///
/// Steps run in the test's own task, one after another; a step the test
/// also takes itself (a shutdown it observes) must be safe to take twice.
public final class Teardown {
  private var steps: [() async -> Void] = []

  fileprivate init() {}

  /// Registers `step`, to run when the body ends, before every step registered earlier.
  public func add(_ step: @escaping () async -> Void) {
    steps.append(step)
  }

  fileprivate func run(isolation: isolated (any Actor)? = #isolation) async {
    while let step = steps.popLast() { await step() }
  }
}

/// Runs `body` with a `Teardown`, then runs the steps `body` registered,
/// last first, whether it returned or threw (an error is rethrown after them).
public func withTeardown<Result>(
  isolation: isolated (any Actor)? = #isolation, _ body: (Teardown) async throws -> Result
) async throws -> Result {
  let teardown = Teardown()
  let result: Result
  do {
    result = try await body(teardown)
  } catch {
    await teardown.run()
    throw error
  }
  await teardown.run()
  return result
}
