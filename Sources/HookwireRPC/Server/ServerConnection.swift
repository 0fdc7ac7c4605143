import HookwireWire

/// The server side of one connection: reads frames, runs calls through the
/// router, and writes responses, as `Schema/PROTOCOL.md` specifies.
///
/// Where the connection is in its life is one `State`, changed only by
/// `enter(_:)` (`ServerConnection+State.swift`); calls live in
/// `ServerConnection+Calls.swift`, timers in `ServerConnection+Timers.swift`.
///
/// Everything here runs on the loop's thread. Handlers run as tasks that
/// prefer the loop's executor, so a handler that does not suspend elsewhere
/// costs no thread switch; whatever they send comes back to the loop thread
/// before it touches connection state.
public final class ServerConnection: @unchecked Sendable {
  // Unchecked: all mutable state is confined to the loop thread; entry
  // points reachable from handler tasks hop there first (`onLoop`).
  let sink: any ByteSink
  let loop: any ConnectionLoop
  let router: RPCRouter
  /// The bracketing interceptors that head the list, run around the chain.
  let brackets: [any BracketingInterceptor]
  /// The rest of the interceptors, run as the chain.
  let interceptors: [any ServerInterceptor]
  let limits: ConnectionLimits
  let log: @Sendable (String) -> Void
  /// Told of every call that ends with a status, on the loop thread.
  let callEnded: (@Sendable (CallEnd) -> Void)?
  /// This connection's number in the process, the first part of its calls' ids.
  let serial = CallID.nextConnection()
  let onClose: () -> Void

  var state: State
  var decoder: FrameDecoder
  let out: OutboundFrames
  var peer = PeerSettings()
  var calls: [UInt32: ServerCall] = [:]
  var highestCallID: UInt32 = 0
  var pings = PingPolicy()
  /// Armed while a frame has been started but not finished (see `armPartialTimer`).
  var partialTimer: TimerHandle?
  /// Where calls, bytes and GOAWAYs are counted; nil when the server keeps no metrics.
  package var metrics: RPCMetricsRecorder? {
    didSet { out.metrics = metrics }
  }

  /// Creates the connection on `host` (its byte sink and its loop) and sends
  /// the server's preface and SETTINGS.
  public convenience init(
    host: any ConnectionHost, router: RPCRouter, interceptors: [any ServerInterceptor] = [],
    limits: ConnectionLimits = ConnectionLimits(), log: @escaping @Sendable (String) -> Void = { _ in },
    callEnded: (@Sendable (CallEnd) -> Void)? = nil, onClose: @escaping () -> Void = {}
  ) {
    self.init(
      sink: host, loop: host, router: router, interceptors: interceptors, limits: limits, log: log, callEnded: callEnded, onClose: onClose)
  }

  /// Creates the connection writing to `sink` on `loop` and sends the
  /// server's preface and SETTINGS.
  public init(
    sink: any ByteSink, loop: any ConnectionLoop, router: RPCRouter, interceptors: [any ServerInterceptor] = [],
    limits: ConnectionLimits = ConnectionLimits(), log: @escaping @Sendable (String) -> Void = { _ in },
    callEnded: (@Sendable (CallEnd) -> Void)? = nil, onClose: @escaping () -> Void = {}
  ) {
    self.sink = sink
    self.loop = loop
    self.router = router
    (brackets, self.interceptors) = interceptors.splitLeadingBrackets
    self.limits = limits
    self.log = log
    self.callEnded = callEnded
    self.onClose = onClose
    decoder = FrameDecoder(maxFrameSize: limits.maxFrameSize)
    out = OutboundFrames(sink: sink, loop: loop)
    state = .closed
    out.sendHandshake(settings: limits.settings)
    let now = loop.now()
    let handshake = Handshake(timer: scheduleHandshakeTimeout(from: now), idle: Idle(timer: scheduleIdleCheck(at: now + limits.idleTimeout), since: now))
    state = .awaitingPreface(handshake)
  }

  /// The number of calls in progress.
  public var activeCalls: Int { calls.count }

  // MARK: - Input

  /// Bytes from the transport.
  public func received(_ bytes: UnsafeRawBufferPointer) {
    guard !isClosed else { return }
    metrics?.received(bytes.count)
    decoder.append(bytes)
    do throws(WireError) {
      if case .awaitingPreface(let handshake) = state {
        guard let version = try decoder.nextPreface() else { return armPartialTimer() }
        guard version == ConnectionPreface.version else {
          return connectionError(.versionMismatch, "protocol version \(version) is not supported; this server speaks 1")
        }
        enter(.awaitingSettings(handshake))
      }
      while !isClosed, let frame = try decoder.nextFrame() {
        if case .awaitingSettings(let handshake) = state {
          // A side's SETTINGS follows its preface at once (§1); anything
          // else first is a peer that is not speaking this protocol.
          guard frame.type == .settings, frame.flags & FrameFlags.ack == 0 else {
            throw WireError(.malformedFrame, at: -1, "the first frame after the preface must be SETTINGS, not \(frame.type)")
          }
          enter(.open(handshake.idle))
        }
        try handle(frame)
      }
    } catch {
      switch error.code {
      case .frameTooLarge: connectionError(.frameSizeError, error.description)
      case .flowControl: connectionError(.flowControlError, error.description)
      default: connectionError(.protocolError, error.description)
      }
      return
    }
    armPartialTimer()
  }

  /// The transport closed: every call is cancelled.
  public func transportClosed() {
    guard !isClosed else { return }
    enter(.closed)
    for call in calls.values { abandon(call, error: RPCError(code: .cancelled, message: "the connection closed")) }
    calls = [:]
    onClose()
  }

  /// The transport's output drained: writers waiting on it may continue.
  public func transportDrained() {
    for call in calls.values where !call.waiters.isEmpty { call.wakeWaiters() }
  }

  private func handle(_ frame: Frame) throws(WireError) {
    switch try frame.body(limits: WireLimits(maxMessageBytes: limits.maxMessageSize)) {
    case .settings(let settings, let ack):
      if ack { return }
      peer.apply(settings)
      FrameEncoder.write(.settings, flags: FrameFlags.ack, callID: 0, payload: UnsafeRawBufferPointer(start: nil, count: 0), to: &out.writer)
      out.scheduleFlush()
    case .open(let open):
      try opened(frame.callID, open)
    case .data(let payload, let endStream, let continues):
      data(frame.callID, payload, endStream: endStream, continues: continues)
    case .cancel:
      guard let call = calls[frame.callID] else { return try checkKnown(frame.callID) }
      abandon(call, error: RPCError(code: .cancelled, message: "the client cancelled the call"))
      remove(call)
    case .windowUpdate(let increment):
      guard let call = calls[frame.callID] else { return try checkKnown(frame.callID) }
      guard call.sendWindow + Int(increment) <= Int(FrameHeader.maxWindow) else {
        throw WireError(.flowControl, at: -1, "WINDOW_UPDATE takes call \(frame.callID)'s window past 2^31-1")
      }
      call.sendWindow += Int(increment)
      call.wakeWaiters()
    case .ping(let opaque, let ack):
      if ack {
        if opaque == Self.drainPingToken { sendFinalGoAway() }
        return
      }
      pinged()
      guard !isClosed else { return }
      FrameEncoder.writePing(opaque, ack: true, to: &out.writer)
      out.scheduleFlush()
    case .goAway:
      peerWentAway()
    case .status:
      throw WireError(.malformedFrame, at: -1, "clients do not send STATUS")
    case .unknown:
      return
    }
  }

  /// Frames for ids above any opened are violations; at or below, the call
  /// has simply ended and the frame crossed its STATUS or CANCEL.
  private func checkKnown(_ id: UInt32) throws(WireError) {
    if id > highestCallID { throw WireError(.malformedFrame, at: -1, "frame for call \(id), which was never opened") }
  }

  /// Counts pings that come faster than the limits allow; the third strike
  /// closes the connection with `too_many_pings`.
  private func pinged() {
    let now = loop.now()
    let minimum = (calls.isEmpty ? limits.minPingIntervalWithoutCalls : limits.minPingIntervalWithCalls).nanoseconds
    if let last = pings.lastAt, now.nanoseconds(since: last) < minimum {
      pings.strikes += 1
      if pings.strikes > 2 { connectionError(.enhanceYourCalm, "too_many_pings") }
    }
    pings.lastAt = now
  }

  /// When the client last pinged, and how often it pinged too soon.
  struct PingPolicy {
    var lastAt: MonotonicDeadline?
    var strikes = 0
  }
}
