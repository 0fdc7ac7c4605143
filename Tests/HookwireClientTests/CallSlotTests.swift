import HookwireClient
import HookwireTestSupport
import Synchronization
import Testing

/// Calls beyond the server's concurrent-call limit wait for a slot on the
/// one connection instead of failing, as gRPC clients queue.
@Suite("Waiting for call slots")
struct CallSlotTests {
  @Test("1,000 concurrent calls on one client all succeed against a server that allows 100 at a time")
  func thousandConcurrentCalls() async throws {
    try await withTeardown { teardown in
      let server = try await ClientTestServer()
      teardown.add { await server.stop() }
      let client = try RPCClient(host: "127.0.0.1", port: server.port, interceptors: [APIKeyInterceptor(apiKey: server.key(12345))])
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      let succeeded = try await withThrowingTaskGroup(of: UInt64.self) { group in
        for _ in 0..<1_000 {
          group.addTask { try await partners.whoAmI(WhoAmIRequest(), options: CallOptions(timeout: .seconds(20))).caller?.id ?? 0 }
        }
        var count = 0
        for try await partner in group where partner == 12345 { count += 1 }
        return count
      }
      #expect(succeeded == 1_000)
    }
  }

  @Test("past a limit of one, calls wait in order; a waiting call ends at its deadline or when cancelled, and frees nothing it never held")
  func waitingCallsEndAtDeadlineOrCancellation() async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.maxConcurrentCalls = 1
      let server = try await ClientTestServer(limits: limits)
      teardown.add { await server.stop() }
      var configuration = RPCClient.Configuration()
      configuration.defaultMetadata = .apiKey(server.key(12345))
      let client = try RPCClient(host: "127.0.0.1", port: server.port, configuration: configuration)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      _ = try await partners.whoAmI(WhoAmIRequest())

      // A health watch holds the one slot until it is cancelled.
      let (tailing, tailed) = AsyncStream<Void>.makeStream()
      let tail = Task {
        defer { tailed.finish() }
        try await Health.Client(wrapping: client).watch(HealthCheckRequest()) { stream in
          for try await _ in stream { tailed.yield() }
        }
      }
      var signals = tailing.makeAsyncIterator()
      _ = await signals.next()

      let started = ContinuousClock.now
      let expired = await statusCode { _ = try await partners.whoAmI(WhoAmIRequest(), options: CallOptions(timeout: .milliseconds(200))) }
      #expect(expired == .deadlineExceeded)
      #expect(ContinuousClock.now - started < .seconds(3))
      #expect(await client.callsWaitingForSlot() == 0, "an expired call leaves the queue")

      let order = Completions()
      var queued: [Task<UInt64, any Error>] = []
      for index in 1...3 {
        queued.append(Task {
          let answer = try await partners.whoAmI(WhoAmIRequest(), options: CallOptions(timeout: .seconds(10)))
          order.record(index)
          return answer.caller?.id ?? 0
        })
        #expect(await eventually { await client.callsWaitingForSlot() == index })
      }
      let cancelled = Task { try await partners.whoAmI(WhoAmIRequest()) }
      #expect(await eventually { await client.callsWaitingForSlot() == 4 })
      cancelled.cancel()
      #expect(await statusCode { _ = try await cancelled.value } == .cancelled)
      #expect(await client.callsWaitingForSlot() == 3, "a cancelled call leaves the queue")

      tail.cancel()
      _ = await statusCode { try await tail.value }
      for task in queued { #expect(try await task.value == 12345) }
      #expect(order.all == [1, 2, 3])
    }
  }

  /// Whether `condition` held within about two seconds (checked every millisecond).
  private func eventually(_ condition: () async -> Bool) async -> Bool {
    for _ in 0..<2_000 {
      if await condition() { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return false
  }

  /// The status a throwing body ended with; nil when it returned.
  private func statusCode(_ body: () async throws -> Void) async -> StatusCode? {
    do {
      try await body()
      return nil
    } catch {
      return (error as? RPCError)?.code ?? .unknown
    }
  }
}

/// The order in which calls completed.
final class Completions: Sendable {
  private let order = Mutex<[Int]>([])

  /// Records that call `index` completed.
  func record(_ index: Int) { order.withLock { $0.append(index) } }

  /// Every completion so far, in order.
  var all: [Int] { order.withLock { $0 } }
}
