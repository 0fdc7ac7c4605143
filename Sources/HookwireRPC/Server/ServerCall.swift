import HookwireWire

/// The server's state for one call, owned by its connection.
final class ServerCall {
  let id: UInt32
  /// The method path the client sent.
  let method: String
  let handler: RPCRouter.Handler?
  let metadata: Metadata
  let cancellation = RPCCancellation()
  var deadline: ContinuousClock.Instant?
  var deadlineTimer: TimerHandle?
  /// Request bytes being reassembled from DATA fragments.
  var request: [UInt8] = []
  var messagesReceived = 0
  /// Set while a message's fragments are arriving (the last DATA had CONTINUES).
  var messageInProgress = false
  /// Set by END_STREAM: the client sends nothing more on this call.
  var halfClosed = false
  var bytesReceivedSinceUpdate = 0
  var inboundWindow: Int
  /// DATA bytes the client still accepts on this call.
  var sendWindow: Int
  /// Writers waiting for window or for the connection to drain; called with
  /// nil to continue or with the error that ended the call.
  var waiters: [((any Error)?) -> Void] = []
  var dispatched = false
  /// Set once STATUS has gone (or the call was cancelled): nothing more is sent.
  var finished = false
  /// Set while the rest of an oversized request is being discarded.
  var discarding = false
  /// The call's method among the server's metrics (when it keeps them).
  var metricsSlot = 0
  /// When the call began, for its duration (when the server keeps metrics).
  var startedAt = MonotonicDeadline(nanoseconds: 0)

  init(id: UInt32, method: String, handler: RPCRouter.Handler?, metadata: Metadata, inboundWindow: Int, sendWindow: Int) {
    self.id = id
    self.method = method
    self.handler = handler
    self.metadata = metadata
    self.inboundWindow = inboundWindow
    self.sendWindow = sendWindow
  }

  /// Wakes every waiting writer, with an error if the call is over.
  func wakeWaiters(_ error: (any Error)? = nil) {
    let waiting = waiters
    waiters = []
    for waiter in waiting { waiter(error) }
  }
}
