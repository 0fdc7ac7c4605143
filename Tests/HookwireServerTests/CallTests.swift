import HookwireClient
import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

@Suite("Calls over TCP and in-process")
struct CallTests {
  @Test("many concurrent calls share one connection and complete out of order", arguments: TransportKind.allCases)
  func concurrentOutOfOrder(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: probe)])
      teardown.add { await harness.stop() }
      let client = Diagnostics.Client(wrapping: harness.client)
      let order = Recorder()
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<40 {
          group.addTask {
            // Earlier calls sleep longer, so they finish later.
            let payload = Array("sleep:\((40 - index) * 10)".utf8)
            let response = try await client.echo(EchoRequest(payload: payload))
            #expect(response.payload == payload)
            order.values.withLock { $0.append(index) }
          }
        }
        try await group.waitForAll()
      }
      let finished = order.values.withLock { $0 }
      #expect(finished.count == 40)
      #expect(finished != finished.sorted(), "completions came back in call order")
      if let server = harness.server { #expect(server.openConnections == 1) }
    }
  }

  @Test("handlers may run on the global executor instead of the event loop", arguments: TransportKind.allCases)
  func handlersOffTheLoop(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.runHandlersOnEventLoop = false
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: probe)], limits: limits)
      teardown.add { await harness.stop() }
      let client = Diagnostics.Client(wrapping: harness.client)
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<20 {
          group.addTask {
            let response = try await client.echo(EchoRequest(payload: [UInt8(index)]))
            #expect(response.payload == [UInt8(index)])
          }
        }
        try await group.waitForAll()
      }
      #expect(probe.completed.load(ordering: .relaxed) == 20)
    }
  }

  @Test("the server enforces the deadline: the handler is cancelled and the caller gets DEADLINE_EXCEEDED", arguments: TransportKind.allCases)
  func serverDeadline(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: probe)])
      teardown.add { await harness.stop() }
      let client = Diagnostics.Client(wrapping: harness.client)
      let status = await code {
        _ = try await client.echo(EchoRequest(payload: Array("wait-cancel".utf8)), options: CallOptions(timeout: .milliseconds(200)))
      }
      #expect(status == .deadlineExceeded)
      #expect(await eventually { probe.cancelled.load(ordering: .relaxed) == 1 }, "the handler never saw its cancellation")
    }
  }

  @Test("the client fails a call at its deadline even when the server is silent")
  func clientDeadlineSilentServer() async throws {
    try await withTeardown { teardown in
      let silent = try SilentListener()
      defer { silent.close() }
      let client = try RPCClient(host: "127.0.0.1", port: silent.port)
      teardown.add { await client.close() }
      let started = ContinuousClock.now
      let status = await code {
        _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .milliseconds(150)))
      }
      #expect(status == .deadlineExceeded)
      // The server never answers: without the local deadline the call would
      // wait forever. The bound is loose because a busy pool delays this task.
      #expect(ContinuousClock.now - started < .seconds(15))
    }
  }

  @Test("cancelling the calling task sends CANCEL and the handler observes it", arguments: TransportKind.allCases)
  func cancellation(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: probe)])
      teardown.add { await harness.stop() }
      let client = Diagnostics.Client(wrapping: harness.client)
      let task = Task { try await client.echo(EchoRequest(payload: Array("wait-cancel".utf8))) }
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 1 })
      task.cancel()
      let status = await code { _ = try await task.value }
      #expect(status == .cancelled)
      #expect(await eventually { probe.cancelled.load(ordering: .relaxed) == 1 }, "the handler never saw the CANCEL")
    }
  }

  @Test("a slow reader holds a streaming server back to one window", arguments: TransportKind.allCases)
  func streamingBackPressure(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [StreamingLogs(probe: probe)])
      teardown.add { await harness.stop() }
      let client = EventLogs.Client(wrapping: harness.client)
      let messageSize = 64 * 1024
      let windowMessages = ProtocolDefaults.initialCallWindow / messageSize
      let received = try await client.tailDeliveries(TailDeliveriesRequest(webhookID: "300:\(messageSize)")) { stream in
        var count = 0
        for try await attempt in stream {
          #expect(attempt.attemptNumber == UInt32(count))
          count += 1
          if count == 5 {
            // Stop reading for a while: the server must stall at about one window ahead.
            try await Task.sleep(for: .milliseconds(300))
            let written = probe.written.load(ordering: .relaxed)
            #expect(written <= count + windowMessages + 2, "server wrote \(written) messages while the reader had taken \(count)")
          }
        }
        return count
      }
      #expect(received == 300)
      #expect(probe.completed.load(ordering: .relaxed) == 1)
    }
  }

  @Test("a handler's own error reaches the caller as UNKNOWN; unknown methods are UNIMPLEMENTED", arguments: TransportKind.allCases)
  func errorStatuses(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: probe)])
      teardown.add { await harness.stop() }
      let failing = await code { _ = try await Diagnostics.Client(wrapping: harness.client).echo(EchoRequest(payload: Array("fail".utf8))) }
      #expect(failing == .unknown)
      let missing = await code { _ = try await Webhooks.Client(wrapping: harness.client).getWebhook(GetWebhookRequest(webhookID: "wh_1")) }
      #expect(missing == .unimplemented)
      let fine = try await Diagnostics.Client(wrapping: harness.client).echo(EchoRequest(payload: [7]))
      #expect(fine.payload == [7])
    }
  }

  @Test("interceptors run in order around every call and can refuse it", arguments: TransportKind.allCases)
  func interceptors(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      final class Seen: Sendable { let paths = Mutex<[String]>([]) }
      struct RequireKey: ServerInterceptor {
        let seen: Seen
        func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
          seen.paths.withLock { $0.append(context.method.path) }
          guard context.metadata[Metadata.authorizationKey] == "Bearer good" else {
            throw RPCError(code: .unauthenticated, message: "missing or bad API key")
          }
          try await next(context)
        }
      }
      let interceptor = RequireKey(seen: Seen())
      let harness = try await Harness.start(kind, services: [ScriptedDiagnostics(probe: Probe())], interceptors: [interceptor])
      teardown.add { await harness.stop() }
      let client = Diagnostics.Client(wrapping: harness.client)
      let refused = await code { _ = try await client.echo(EchoRequest(payload: [1])) }
      #expect(refused == .unauthenticated)
      let accepted = try await client.echo(EchoRequest(payload: [2]), metadata: ["authorization": "Bearer good"])
      #expect(accepted.payload == [2])
      #expect(interceptor.seen.paths.withLock { $0 } == ["/hookwire.v1.Diagnostics/Echo", "/hookwire.v1.Diagnostics/Echo"])
    }
  }

  @Test("health checks and watches report the server's status", arguments: TransportKind.allCases)
  func health(_ kind: TransportKind) async throws {
    try await withTeardown { teardown in
      let health = HealthService(services: [Diagnostics.name])
      let harness = try await Harness.start(kind, services: [health])
      teardown.add { await harness.stop() }
      let client = Health.Client(wrapping: harness.client)
      #expect(try await client.check(HealthCheckRequest()).status == .serving)
      let unknown = await code { _ = try await client.check(HealthCheckRequest(service: "nope")) }
      #expect(unknown == .notFound)
      let statuses = try await client.watch(HealthCheckRequest(service: Diagnostics.name)) { stream in
        var seen: [ServingStatus] = []
        for try await response in stream {
          seen.append(response.status)
          if seen.count == 1 { health.setStatus(.notServing, for: Diagnostics.name) }
          if seen.count == 2 { break }
        }
        return seen
      }
      #expect(statuses == [.serving, .notServing])
    }
  }
}
