import HookwireDomain
import HookwireRPC
import HookwireStore
import HookwireWire

// Domain and storage failures become RPC statuses here, and only here.

extension DomainError: RPCErrorConvertible {
  /// Domain failures become statuses here, and only here.
  package var rpcError: RPCError {
    let status: StatusCode =
      switch code {
      case .invalid: .invalidArgument
      case .notFound: .notFound
      case .conflict: .alreadyExists
      case .forbidden: .permissionDenied
      case .unauthenticated: .unauthenticated
      case .precondition: .failedPrecondition
      case .staleVersion: .aborted
      case .unavailable: .unavailable
      case .exhausted: .resourceExhausted
      }
    return RPCError(code: status, message: message)
  }
}

extension StoreError: RPCErrorConvertible {
  /// Storage failures reach the caller as a status; the message is the
  /// database's own and never carries stored values.
  package var rpcError: RPCError {
    let status: StatusCode =
      switch code {
      case .notFound: .notFound
      case .constraint: .alreadyExists
      case .schemaTooNew: .failedPrecondition
      case .io, .unavailable: .unavailable
      case .retryable: .aborted
      case .internal: .internal
      }
    return RPCError(code: status, message: "storage: \(message)")
  }
}
