import HookwireRPC
import HookwireWire
import Synchronization

/// An `RPCCaller` that hands calls straight to a router in the same process,
/// with no frames or connection: it tests generated clients, services and
/// error conversion without a transport.
public struct DirectCaller: RPCCaller {
  let router: RPCRouter

  /// Creates a caller that dispatches through `router`.
  public init(router: RPCRouter) { self.router = router }

  func handler(_ method: MethodDescriptor) throws -> RPCRouter.Handler {
    guard let handler = router.handler(for: method.path) else {
      throw RPCError(code: .unimplemented, message: "method \(method.path) is not implemented")
    }
    return handler
  }

  /// Runs the method's handler to completion and keeps what it sent.
  private func collect<Request: WireMessage>(_ request: Request, method: MethodDescriptor, metadata: Metadata) async throws -> Collected {
    let handler = try handler(method)
    let responses = Collected()
    do {
      try await handler.run(request.serializedBytes(), ServerContext(method: method, metadata: metadata)) { bytes in
        responses.append(bytes)
      }
    } catch {
      throw RPCError(converting: error)
    }
    return responses
  }

  public func unary<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> Response {
    let all = try await collect(request, method: method, metadata: metadata).all
    guard all.count == 1 else {
      throw RPCError(code: .unimplemented, message: "unary method sent \(all.count) responses")
    }
    do {
      return try Response(serializedBytes: all[0])
    } catch {
      throw RPCError(code: .internal, message: "could not decode the response: \(error)")
    }
  }

  public func serverStreaming<Request: WireMessage, Response: WireMessage, Result: Sendable>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions,
    onResponse: @Sendable (RPCResponseStream<Response>) async throws -> Result
  ) async throws -> Result {
    return try await onResponse(RPCResponseStream(source: try await collect(request, method: method, metadata: metadata)))
  }
}

/// Responses gathered in order, then read back one at a time.
final class Collected: RawMessageSource {
  // The mutex guards both the gathered messages and the read position.
  private let state = Mutex<(messages: [[UInt8]], next: Int)>(([], 0))

  func append(_ bytes: [UInt8]) { state.withLock { $0.messages.append(bytes) } }

  var all: [[UInt8]] { state.withLock { $0.messages } }

  func next() async throws -> [UInt8]? {
    state.withLock { state -> [UInt8]? in
      guard state.next < state.messages.count else { return nil }
      defer { state.next += 1 }
      return state.messages[state.next]
    }
  }
}
