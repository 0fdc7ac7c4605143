import HookwireClient
import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

@testable import hookwire

/// A draining application ends the calls that never end on their own — a
/// listen, a tail, `hookwire listen` — at once with UNAVAILABLE, rather
/// than holding the drain for its grace period. The grace is 20 s here, so
/// a prompt end cannot come from the grace running out.
@Suite("Drain", .serialized)
struct DrainTests {
  static let grace: Duration = .seconds(20)

  /// Waits until the application has `listeners` listens and `tails` tails attached (at most 30 s).
  static func waitForStreams(_ deployment: TestDeployment, listeners: Int, tails: Int) async throws {
    let end = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine; the wait ends on its condition
    while deployment.application.listeners.observerCount < listeners || (deployment.engine?.observerCount ?? 0) < tails {
      guard ContinuousClock.now < end else { throw RPCError(code: .deadlineExceeded, message: "the streams did not attach") }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  /// How a streaming call ended: the error it failed with (nil when it ended cleanly).
  static func ending(_ body: () async throws -> Void) async -> RPCError? {
    do {
      try await body()
      return nil
    } catch let error as RPCError {
      return error
    } catch {
      return RPCError(code: .unknown, message: "\(error)")
    }
  }

  @Test("stopping ends an open listen and tail with UNAVAILABLE saying the server is shutting down, and run() returns well within the grace")
  func drainEndsListenAndTail() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment(delivery: .init(), shutdownGrace: Self.grace)
      let client = try deployment.client()
      teardown.add { await client.close() }
      let acme = deployment.metadata(12345)
      let options = CallOptions(timeout: .seconds(60))
      let events = Events.Client(wrapping: client)
      let logs = EventLogs.Client(wrapping: client)
      let listening = Task {
        await Self.ending { try await events.listen(ListenRequest(), metadata: acme, options: options) { stream in for try await _ in stream {} } }
      }
      let tailing = Task {
        await Self.ending {
          try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: acme, options: options) { stream in for try await _ in stream {} }
        }
      }
      teardown.add {
        listening.cancel()
        tailing.cancel()
      }
      try await Self.waitForStreams(deployment, listeners: 1, tails: 1)

      let started = ContinuousClock.now
      await deployment.stop()
      let drained = ContinuousClock.now - started
      let listened = await listening.value
      let tailed = await tailing.value
      #expect(drained < Self.grace / 2, "run() took \(drained) to return")
      for ended in [listened, tailed] {
        #expect(ended?.code == .unavailable, "\(String(describing: ended))")
        #expect(ended?.message == "the server is shutting down; reconnect to another server", "\(String(describing: ended))")
      }
      #expect(deployment.application.listeners.observerCount == 0 && deployment.engine?.observerCount == 0)
    }
  }

  @Test("hookwire listen reports a draining server in one line and exits 10 + UNAVAILABLE")
  func listenCommandReportsDrain() async throws {
    try await withTeardown { teardown in
      let receiver = try TestReceiver()
      teardown.add { receiver.stop() }
      let deployment = try await TestDeployment(shutdownGrace: Self.grace)
      let client = try deployment.client()
      teardown.add { await client.close() }
      let statuses = Mutex<[String]>([])
      let output = ListenOutput(line: { _ in }, status: { text in statuses.withLock { $0.append(text) } })
      let metadata = deployment.metadata(12345)
      let url = "http://127.0.0.1:\(receiver.port)/"
      let listening = Task { await runListen(client: client, metadata: metadata, forwardTo: url, events: [], output: output) }
      teardown.add { listening.cancel() }
      try await Self.waitForStreams(deployment, listeners: 1, tails: 0)

      let started = ContinuousClock.now
      await deployment.stop()
      let status = await listening.value
      #expect(ContinuousClock.now - started < Self.grace / 2)
      #expect(status == ExitStatus.forCall(.unavailable))
      let last = statuses.withLock { $0.last }
      #expect(last == "UNAVAILABLE: the server is shutting down; reconnect to another server", "\(statuses.withLock { $0 })")
    }
  }

  @Test("a draining server's UNAVAILABLE gets its own hint, not the question whether the server runs", arguments: [
    "the server is shutting down; reconnect to another server", "the server is shutting down", "the server is going away",
    "the server is going away and did not process the call",
  ])
  func drainHint(_ message: String) throws {
    let failure = ConnectionFailure(RPCError(code: .unavailable, message: message))
    #expect(failure == .serverShuttingDown)
    let hint = try #require(failure).hint(server: try ServerAddress("127.0.0.1:7700", source: "option '--server'"), caFileGiven: false)
    #expect(hint.contains("is shutting down") && !hint.contains("running"), "\(hint)")
  }
}
