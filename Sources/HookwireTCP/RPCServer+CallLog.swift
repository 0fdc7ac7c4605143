import HookwirePosix
import HookwireRPC

extension RPCServer {
  /// Logs how a call ended: exactly one error line for a call that ended
  /// INTERNAL or UNKNOWN (its id, method, status, the caller as
  /// `callFields` names it, the peer, the message the caller got and, for
  /// UNKNOWN, the underlying error), and at debug level one line for every
  /// other call. Runs on the connection's loop.
  static func logCallEnd(
    _ end: CallEnd, peer: String?, log: ServerLog, callFields: @Sendable (ServerContextValues) -> [LogField]
  ) {
    let failed = end.failedInternally
    guard log.isEnabled(failed ? .error : .debug) else { return }
    var fields: [LogField] = [.callID(end.id.description), .method(end.method), .status(end.error?.code.name ?? "OK")]
    fields += callFields(end.values)
    if let peer { fields.append(.peer(peer)) }
    if failed, let error = end.error {
      fields.append(LogField("message", error.message))
      if let cause = error.cause { fields.append(LogField("cause", cause)) }
    }
    log.log(failed ? .error : .debug, failed ? "call failed" : "call ended", fields: fields)
  }
}
