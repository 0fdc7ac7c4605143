/// How a call that got a status ended, for the server's log: which call,
/// the method the client named, the status it got (nil for OK) and what
/// interceptors attached for its handler (empty when the handler never ran).
public struct CallEnd: Sendable {
  /// The call.
  public let id: CallID
  /// The method path as the client sent it (any text a client chose).
  public let method: String
  /// The status the caller got; nil for OK. INTERNAL and UNKNOWN messages
  /// end with the call's id.
  public let error: RPCError?
  /// The values of the last context the handler was given (the caller's
  /// identity among them once authenticated).
  public let values: ServerContextValues

  /// Whether the call failed in a way an operator should look at: INTERNAL or UNKNOWN.
  public var failedInternally: Bool { error.map { $0.code == .internal || $0.code == .unknown } ?? false }
}

extension RPCError {
  /// The same error whose message ends with `(call id …)`, within the status
  /// message bound, so the caller can quote it.
  func naming(_ id: CallID) -> RPCError {
    var named = self
    let suffix = message.isEmpty ? "call id \(id)" : " (call id \(id))"
    named.message = message.truncated(toUTF8Bytes: StatusPayload.maxMessageBytes - suffix.utf8.count) + suffix
    return named
  }
}
