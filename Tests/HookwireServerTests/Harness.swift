import HookwireInProcess
import HookwirePosix
import HookwireClient
import HookwireServer
import Synchronization
import Testing

/// How a test reaches its server.
enum TransportKind: String, CaseIterable, Sendable {
  case tcp, inProcess
}

/// A server and a client for one test, over loopback TCP or in-process.
struct Harness {
  let server: RPCServer?
  let client: RPCClient

  static func start(
    _ kind: TransportKind, services: [any RPCService], interceptors: [any ServerInterceptor] = [],
    limits: ConnectionLimits = ConnectionLimits(), clientConfiguration: RPCClient.Configuration = RPCClient.Configuration()
  ) async throws -> Harness {
    switch kind {
    case .tcp:
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 2
      configuration.limits = limits
      configuration.shutdownGrace = .seconds(5)
      let server = RPCServer(configuration: configuration, services: services, interceptors: interceptors, requestGuard: RequestBounds.standard,
        log: ServerLog(enabled: false))
      let port = try server.start()
      do {
        return Harness(server: server, client: try RPCClient(host: "127.0.0.1", port: port, configuration: clientConfiguration))
      } catch {
        await server.shutdown()
        throw error
      }
    case .inProcess:
      let transport = try InProcessTransport(
        services: services, interceptors: interceptors, limits: limits, requestGuard: RequestBounds.standard)
      return Harness(server: nil, client: RPCClient(transport: transport, configuration: clientConfiguration))
    }
  }

  func stop() async {
    await client.close()
    await server?.shutdown()
  }
}

/// Counters a test's handlers update and the test reads.
final class Probe: Sendable {
  let started = Atomic<Int>(0)
  let cancelled = Atomic<Int>(0)
  let written = Atomic<Int>(0)
  let completed = Atomic<Int>(0)
}

/// Values recorded from many tasks.
final class Recorder: Sendable {
  let values = Mutex<[Int]>([])
}

/// Echo with behaviour chosen by the payload, for runtime tests:
/// `sleep:<ms>` answers after that long; `wait-cancel` waits for the call's
/// cancellation and records it; `fail` throws a non-RPC error.
struct ScriptedDiagnostics: Diagnostics.ServiceProtocol {
  let probe: Probe
  struct Failure: Error {}

  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    probe.started.add(1, ordering: .relaxed)
    let command = String(decoding: request.payload, as: UTF8.self)
    if command.hasPrefix("sleep:"), let ms = Int(command.dropFirst(6)) {
      try? await Task.sleep(for: .milliseconds(ms))
    } else if command == "wait-cancel" {
      await context.cancellation.cancelled()
      probe.cancelled.add(1, ordering: .relaxed)
      throw RPCError(code: .cancelled, message: "observed")
    } else if command == "fail" {
      throw Failure()
    }
    probe.completed.add(1, ordering: .relaxed)
    return EchoResponse(payload: request.payload)
  }
}

/// Streams `count` messages of `size` bytes for `TailDeliveries`
/// (webhook id `count:size`), counting what it has written.
struct StreamingLogs: EventLogs.ServiceProtocol {
  let probe: Probe

  func tailDeliveries(_ request: TailDeliveriesRequest, responses: ResponseWriter<DeliveryAttempt>, context: ServerContext) async throws {
    let parts = request.webhookID.split(separator: ":").compactMap { Int($0) }
    let (count, size) = parts.count == 2 ? (parts[0], parts[1]) : (10, 10)
    let filler = String(repeating: "x", count: size)
    for index in 0..<count {
      try await responses.write(DeliveryAttempt(attemptNumber: UInt32(index), responseExcerpt: filler))
      probe.written.add(1, ordering: .relaxed)
    }
    probe.completed.add(1, ordering: .relaxed)
  }

  func listEventLogs(_ request: ListEventLogsRequest, context: ServerContext) async throws -> ListEventLogsResponse { throw unimplemented }
  func getEventLog(_ request: GetEventLogRequest, context: ServerContext) async throws -> GetEventLogResponse { throw unimplemented }
  func searchEventLogs(_ request: SearchEventLogsRequest, context: ServerContext) async throws -> SearchEventLogsResponse { throw unimplemented }
  func redeliver(_ request: RedeliverRequest, context: ServerContext) async throws -> RedeliverResponse { throw unimplemented }
  func recoverFailed(_ request: RecoverFailedRequest, context: ServerContext) async throws -> RecoverFailedResponse { throw unimplemented }
  var unimplemented: RPCError { RPCError(code: .unimplemented, message: "not in this test") }
}

/// Waits until `condition` holds, checking every few milliseconds, for at
/// most `timeout`; returns whether it held.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
  let end = ContinuousClock.now + timeout
  while ContinuousClock.now < end {
    if condition() { return true }
    try? await Task.sleep(for: .milliseconds(5))
  }
  return condition()
}

/// The status code of a thrown error, or nil when it is not an `RPCError`.
func code(of body: () async throws -> Void) async -> StatusCode? {
  do {
    try await body()
    return .ok
  } catch let error as RPCError {
    return error.code
  } catch {
    return nil
  }
}
