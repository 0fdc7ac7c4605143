import HookwireAPI
import HookwireRPC
import HookwireTestSupport
import HookwireWire
import Synchronization
import Testing

struct Boom: Error {}

/// Health as a test implements it.
struct TestHealth: Health.ServiceProtocol {
  func check(_ request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
    switch request.service {
    case "": return HealthCheckResponse(status: .serving)
    case "boom": throw Boom()
    case "denied": throw RPCError(code: .permissionDenied, message: "not yours")
    default: throw RPCError(code: .notFound, message: "unknown service \(request.service)")
    }
  }

  func watch(_ request: HealthCheckRequest, responses: ResponseWriter<HealthCheckResponse>, context: ServerContext) async throws {
    for status in [ServingStatus.serving, .notServing, .serving] {
      try await responses.write(HealthCheckResponse(status: status))
    }
  }

}

/// Echo, appending the `x-suffix` metadata value.
struct TestDiagnostics: Diagnostics.ServiceProtocol {
  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    EchoResponse(payload: request.payload + Array((context.metadata["x-suffix"] ?? "").utf8))
  }
}

@Suite("Router and generated clients")
struct RouterTests {
  let router = RPCRouter(services: [TestHealth(), TestDiagnostics()])

  @Test("every generated method is registered under its /package.Service/Method path")
  func paths() {
    #expect(router.methods.map(\.path) == [
      "/hookwire.v1.Diagnostics/Echo", "/hookwire.v1.Health/Check", "/hookwire.v1.Health/Watch",
    ])
    #expect(router.handler(for: "/hookwire.v1.Health/Nope") == nil)
  }

  @Test("a generated client makes unary calls with metadata through a caller")
  func unary() async throws {
    let client = Diagnostics.Client(wrapping: DirectCaller(router: router))
    let response = try await client.echo(EchoRequest(payload: [1, 2, 3]), metadata: ["x-suffix": "!"])
    #expect(response.payload == [1, 2, 3, 0x21])
  }

  @Test("server streaming delivers every response in order")
  func streaming() async throws {
    let client = Health.Client(wrapping: DirectCaller(router: router))
    let statuses = try await client.watch(HealthCheckRequest()) { stream in
      var seen: [ServingStatus] = []
      for try await response in stream { seen.append(response.status) }
      return seen
    }
    #expect(statuses == [.serving, .notServing, .serving])
  }

  @Test("an RPCError from a handler reaches the caller unchanged")
  func rpcErrorPassesThrough() async {
    let client = Health.Client(wrapping: DirectCaller(router: router))
    await #expect {
      _ = try await client.check(HealthCheckRequest(service: "denied"))
    } throws: { ($0 as? RPCError)?.code == .permissionDenied && ($0 as? RPCError)?.message == "not yours" }
  }

  @Test("any other handler error becomes UNKNOWN without its details")
  func otherErrorsBecomeUnknown() async {
    let client = Health.Client(wrapping: DirectCaller(router: router))
    await #expect {
      _ = try await client.check(HealthCheckRequest(service: "boom"))
    } throws: { error in
      guard let error = error as? RPCError else { return false }
      return error.code == .unknown && !error.message.contains("Boom") && error.cause?.contains("Boom") == true
    }
  }

  @Test("a request that does not decode fails with INVALID_ARGUMENT naming the offset")
  func undecodableRequest() async throws {
    let handler = try #require(router.handler(for: "/hookwire.v1.Health/Check"))
    let context = ServerContext(method: Health.Method.Check.descriptor, metadata: [:])
    await #expect {
      try await handler.run([0x0A, 0x05, 0x61], context) { _ in }
    } throws: { error in
      let converted = RPCError(converting: error)
      return converted.code == .invalidArgument && converted.message.contains("byte 1")
    }
  }

  @Test("a request guard's check is resolved once per method when it registers, then run on every call")
  func guardResolvedOncePerMethod() async throws {
    let requestGuard = CountingGuard(maxPayload: 4)
    let router = RPCRouter(services: [TestHealth(), TestDiagnostics()], requestGuard: requestGuard)
    #expect(requestGuard.counts.withLock { $0.resolved } == 3)
    let client = Diagnostics.Client(wrapping: DirectCaller(router: router))
    for _ in 0..<3 { _ = try await client.echo(EchoRequest(payload: [1, 2])) }
    await #expect {
      _ = try await client.echo(EchoRequest(payload: [1, 2, 3, 4, 5]))
    } throws: { ($0 as? RPCError)?.code == .invalidArgument && ($0 as? RPCError)?.message == "payload over 4" }
    let counts = requestGuard.counts.withLock { $0 }
    #expect(counts.resolved == 3, "no method resolved again")
    #expect(counts.checked == 4)
    #expect(counts.erased == 0, "no call went through check(_:for:)")
  }

  @Test("an unknown method is UNIMPLEMENTED")
  func unknownMethod() async {
    let client = Webhooks.Client(wrapping: DirectCaller(router: router))
    await #expect {
      _ = try await client.getWebhook(GetWebhookRequest(webhookID: "wh_1"))
    } throws: { ($0 as? RPCError)?.code == .unimplemented }
  }
}

@Suite("Cancellation signal")
struct RPCCancellationTests {
  @Test("cancel wakes every waiter and is remembered")
  func wakesWaiters() async {
    let cancellation = RPCCancellation()
    #expect(!cancellation.isCancelled)
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<3 { group.addTask { await cancellation.cancelled() } }
      cancellation.cancel()
      await group.waitForAll()
    }
    #expect(cancellation.isCancelled)
    await cancellation.cancelled()  // returns at once once fired
  }

  @Test("a waiting task that is itself cancelled stops waiting")
  func waiterCancelled() async {
    let cancellation = RPCCancellation()
    let waiter = Task { await cancellation.cancelled() }
    waiter.cancel()
    await waiter.value
    #expect(!cancellation.isCancelled)
  }
}

/// A guard that bounds echo payloads and counts how its checks are found and run.
final class CountingGuard: RequestGuard {
  struct Counts {
    var resolved = 0
    var checked = 0
    var erased = 0
  }

  let maxPayload: Int
  let counts = Mutex(Counts())

  init(maxPayload: Int) { self.maxPayload = maxPayload }

  func check(_ request: any WireMessage, for method: MethodDescriptor) throws(RPCError) {
    counts.withLock { $0.erased += 1 }
  }

  func runsOffLoop(_ method: MethodDescriptor) -> Bool { false }

  func requestCheck<Request: WireMessage>(for method: MethodDescriptor, of request: Request.Type) -> RequestCheck<Request>? {
    counts.withLock { $0.resolved += 1 }
    let maxPayload = maxPayload
    return { [self] request throws(RPCError) in
      counts.withLock { $0.checked += 1 }
      if let echo = request as? EchoRequest, echo.payload.count > maxPayload {
        throw RPCError(code: .invalidArgument, message: "payload over \(maxPayload)")
      }
    }
  }
}
