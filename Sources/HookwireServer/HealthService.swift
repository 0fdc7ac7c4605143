import HookwireAPI
import HookwireDomain
import HookwireRPC
import Synchronization

/// The health service, as `grpc.health.v1`: the empty name is the whole
/// server; other names are the services the server runs.
package final class HealthService: Health.ServiceProtocol {
  private struct State {
    var statuses: [String: ServingStatus]
    var watchers: [Int: (name: String, continuation: AsyncStream<ServingStatus>.Continuation)] = [:]
    var nextWatcher = 0
  }

  private let state: Mutex<State>

  /// Creates the service, every name in `services` (and "") SERVING.
  package init(services: [String]) {
    var statuses: [String: ServingStatus] = ["": .serving]
    for name in services { statuses[name] = .serving }
    state = Mutex(State(statuses: statuses))
  }

  /// Sets the status of `service` ("" for the server) and tells watchers.
  package func setStatus(_ status: ServingStatus, for service: String = "") {
    let watchers = state.withLock { state -> [AsyncStream<ServingStatus>.Continuation] in
      state.statuses[service] = status
      return state.watchers.values.filter { $0.name == service }.map(\.continuation)
    }
    for watcher in watchers { watcher.yield(status) }
  }

  /// Marks every service NOT_SERVING, as a server does when it starts draining.
  package func markAllNotServing() {
    let names = state.withLock { Array($0.statuses.keys) }
    for name in names { setStatus(.notServing, for: name) }
  }

  package func check(_ request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
    guard let status = state.withLock({ $0.statuses[request.service] }) else {
      throw RPCError(code: .notFound, message: "unknown service '\(DomainError.echo(request.service))'")
    }
    return HealthCheckResponse(status: status)
  }

  package func watch(
    _ request: HealthCheckRequest, responses: ResponseWriter<HealthCheckResponse>, context: ServerContext
  ) async throws {
    let (stream, continuation) = AsyncStream<ServingStatus>.makeStream(bufferingPolicy: .bufferingNewest(1))
    let id = state.withLock { state -> Int in
      state.nextWatcher += 1
      state.watchers[state.nextWatcher] = (request.service, continuation)
      continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
      return state.nextWatcher
    }
    defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
    // The call's cancellation ends the stream of changes.
    let cancelWatcher = Task { await context.cancellation.cancelled(); continuation.finish() }
    defer { cancelWatcher.cancel() }
    for await status in stream {
      try await responses.write(HealthCheckResponse(status: status))
    }
  }
}

/// The echo used to measure the runtime itself.
package struct DiagnosticsService: Diagnostics.ServiceProtocol {
  /// Creates the service.
  package init() {}

  package func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    EchoResponse(payload: request.payload)
  }
}
