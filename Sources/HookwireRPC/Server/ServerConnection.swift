import HookwireWire

/// The server side of one connection: reads frames, runs calls through the
/// router, and writes responses, as `Schema/PROTOCOL.md` specifies.
///
/// Everything here runs on the host's thread. Handlers run as tasks that
/// prefer the host's executor, so a handler that does not suspend elsewhere
/// costs no thread switch; whatever they send comes back to the host thread
/// before it touches connection state.
public final class ServerConnection: @unchecked Sendable {
  // Unchecked: all mutable state is confined to the host thread; entry
  // points reachable from handler tasks hop there first (`onHost`).
  let host: any ConnectionHost
  let router: RPCRouter
  let interceptors: [any ServerInterceptor]
  let limits: ConnectionLimits
  let log: @Sendable (String) -> Void
  let onClose: () -> Void

  private var decoder: FrameDecoder
  private let out: OutboundFrames
  private var prefaceReceived = false
  /// Set by the peer's first SETTINGS, which must be its first frame.
  private var settingsReceived = false
  private var peer = PeerSettings()
  private var calls: [UInt32: ServerCall] = [:]
  private var highestCallID: UInt32 = 0
  private var closed = false
  private var pingsAt: UInt64 = 0
  private var pingStrikes = 0
  private var handshakeTimer: UInt64?
  private var partialTimer: UInt64?
  private var idleTimer: UInt64?
  /// When the connection last became idle (no calls); 0 while calls run.
  private var idleSince: UInt64 = 0
  private var drain: DrainState?
  private var peerGoingAway = false
  private let drainPingToken: UInt64 = 0x4457_4149_4E21_0001

  private struct DrainState {
    var finalGoAwaySent = false
    var graceTimer: UInt64?
  }

  /// Creates the connection and sends the server's preface and SETTINGS.
  public init(
    host: any ConnectionHost, router: RPCRouter, interceptors: [any ServerInterceptor] = [],
    limits: ConnectionLimits = ConnectionLimits(), log: @escaping @Sendable (String) -> Void = { _ in },
    onClose: @escaping () -> Void = {}
  ) {
    self.host = host
    self.router = router
    self.interceptors = interceptors
    self.limits = limits
    self.log = log
    self.onClose = onClose
    decoder = FrameDecoder(maxFrameSize: limits.maxFrameSize)
    out = OutboundFrames(host: host)
    out.sendHandshake(settings: limits.settings)
    handshakeTimer = host.scheduleTimer(at: host.now() &+ limits.handshakeTimeout.nanoseconds) { [weak self] in
      guard let self, !self.settingsReceived else { return }
      self.connectionError(.settingsTimeout, "no preface and SETTINGS within the handshake timeout")
    }
    armIdleTimer()
  }

  /// The number of calls in progress.
  public var activeCalls: Int { calls.count }

  // MARK: - Input

  /// Bytes from the transport.
  public func received(_ bytes: UnsafeRawBufferPointer) {
    guard !closed else { return }
    decoder.append(bytes)
    do throws(WireError) {
      if !prefaceReceived {
        guard let version = try decoder.nextPreface() else { return armPartialTimer() }
        guard version == ConnectionPreface.version else {
          return connectionError(.versionMismatch, "protocol version \(version) is not supported; this server speaks 1")
        }
        prefaceReceived = true
      }
      while !closed, let frame = try decoder.nextFrame() {
        if !settingsReceived {
          // A side's SETTINGS follows its preface at once (§1); anything
          // else first is a peer that is not speaking this protocol.
          guard frame.type == .settings, frame.flags & FrameFlags.ack == 0 else {
            throw WireError(.malformedFrame, at: -1, "the first frame after the preface must be SETTINGS, not \(frame.type)")
          }
          settingsReceived = true
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
    guard !closed else { return }
    closed = true
    for call in calls.values { abandon(call, error: RPCError(code: .cancelled, message: "the connection closed")) }
    calls = [:]
    cancelTimers()
    onClose()
  }

  private func handle(_ frame: Frame) throws(WireError) {
    switch try frame.body(limits: WireLimits(maxMessageBytes: limits.maxMessageSize)) {
    case .settings(let settings, let ack):
      if ack { return }
      if let timer = handshakeTimer {
        host.cancelTimer(timer)
        handshakeTimer = nil
      }
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
        if opaque == drainPingToken { sendFinalGoAway() }
        return
      }
      pinged()
      guard !closed else { return }
      FrameEncoder.writePing(opaque, ack: true, to: &out.writer)
      out.scheduleFlush()
    case .goAway:
      // The client opens no more calls: close once the current ones end.
      peerGoingAway = true
      if calls.isEmpty { closeGracefully() }
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

  private func opened(_ id: UInt32, _ open: CallOpen) throws(WireError) {
    guard id > highestCallID else {
      throw WireError(.malformedFrame, at: -1, "OPEN for call \(id) does not follow call \(highestCallID)")
    }
    guard !peerGoingAway else {
      throw WireError(.malformedFrame, at: -1, "OPEN for call \(id) after the client's GOAWAY")
    }
    highestCallID = id
    idleSince = 0
    let metadataSize = open.metadata.encodedMetadataSize
    let metadata: Metadata
    do throws(WireError) {
      guard metadataSize <= limits.maxMetadataSize else {
        return refuse(id, .resourceExhausted, "metadata of \(metadataSize) bytes exceeds the limit of \(limits.maxMetadataSize)")
      }
      metadata = try Metadata(wire: open.metadata)
    } catch {
      return refuse(id, .invalidArgument, error.detail)
    }
    if drain?.finalGoAwaySent == true {
      return refuse(id, .unavailable, "the server is shutting down")
    }
    guard calls.count < limits.maxConcurrentCalls else {
      return refuse(id, .resourceExhausted, "more than \(limits.maxConcurrentCalls) concurrent calls on one connection")
    }
    let handler = router.handler(for: open.method)
    let call = ServerCall(
      id: id, handler: handler, metadata: metadata, inboundWindow: limits.initialCallWindow,
      sendWindow: peer.initialCallWindow)
    calls[id] = call
    guard handler != nil else {
      return finish(call, RPCError(code: .unimplemented, message: "method \(open.method) is not implemented"))
    }
    if open.timeoutUs > 0 {
      let deadline = MonotonicDeadline(afterMicroseconds: open.timeoutUs, from: host.now())
      call.deadline = .now + .microseconds(Int64(clamping: open.timeoutUs))
      guard !deadline.isDistantFuture else { return }
      call.deadlineTimer = host.scheduleTimer(at: deadline.nanoseconds) { [weak self, weak call] in
        guard let self, let call, !call.finished else { return }
        call.deadlineTimer = nil
        self.finish(call, RPCError(code: .deadlineExceeded, message: "the call's deadline passed on the server"))
      }
    }
  }

  /// Ends a call that never ran, before it has state.
  private func refuse(_ id: UInt32, _ code: StatusCode, _ message: String) {
    writeStatus(id, RPCError(code: code, message: message))
  }

  private func data(_ id: UInt32, _ payload: [UInt8], endStream: Bool, continues: Bool) {
    guard let call = calls[id], !call.finished else {
      if id > highestCallID { connectionError(.protocolError, "DATA for call \(id), which was never opened") }
      return
    }
    guard !call.halfClosed else {
      return connectionError(.protocolError, "DATA on call \(id) after its END_STREAM")
    }
    call.halfClosed = endStream
    call.inboundWindow -= payload.count
    guard call.inboundWindow >= 0 else {
      return connectionError(.flowControlError, "call \(id) sent more DATA than its window")
    }
    call.bytesReceivedSinceUpdate += payload.count
    if call.bytesReceivedSinceUpdate >= limits.initialCallWindow / 2 {
      // Request bytes are consumed as they are buffered (within the message limit).
      FrameEncoder.writeWindowUpdate(callID: id, increment: UInt32(call.bytesReceivedSinceUpdate), to: &out.writer)
      call.inboundWindow += call.bytesReceivedSinceUpdate
      call.bytesReceivedSinceUpdate = 0
      out.scheduleFlush()
    }
    if !call.discarding {
      if call.request.count + payload.count > limits.maxMessageSize {
        call.discarding = true
        call.request = []
        return finish(call, RPCError(
          code: .resourceExhausted,
          message: "request message larger than the limit of \(limits.maxMessageSize) bytes"))
      }
      // An empty END_STREAM frame after a complete message is a bare
      // half-close (§3.3), not a second, empty message.
      let bareHalfClose = payload.isEmpty && endStream && !continues && !call.messageInProgress && call.messagesReceived > 0
      call.request.append(contentsOf: payload)
      if !continues && !bareHalfClose { call.messagesReceived += 1 }
      call.messageInProgress = continues
    }
    guard endStream else {
      if call.messagesReceived > 1 {
        finish(call, RPCError(code: .unimplemented, message: "a \(call.handler?.descriptor.kind == .unary ? "unary" : "server-streaming") call takes one request message"))
      }
      return
    }
    guard call.messagesReceived == 1, !continues else {
      return finish(call, RPCError(code: .unimplemented, message: "expected exactly one request message, got \(call.messagesReceived)"))
    }
    dispatch(call)
  }

  // MARK: - Running handlers

  private func dispatch(_ call: ServerCall) {
    guard let handler = call.handler, !call.dispatched else { return }
    call.dispatched = true
    let request = call.request
    call.request = []
    let context = ServerContext(
      method: handler.descriptor, metadata: call.metadata, deadline: call.deadline, cancellation: call.cancellation)
    let id = call.id
    Task(executorPreference: limits.runHandlersOnEventLoop ? host.taskExecutor : nil) { [self, interceptors] in
      do {
        try await interceptors.run(context) { context in
          try await handler.run(request, context) { bytes in try await self.send(bytes, on: id) }
        }
        await onHost { self.completed(id, nil) }
      } catch {
        let status = RPCError(converting: error)
        if status.code == .unknown, let cause = status.cause { log("call \(handler.descriptor.path) failed: \(cause)") }
        await onHost { self.completed(id, status) }
      }
    }
  }

  /// Runs `body` on the host thread: at once if already there.
  private func onHost(_ body: @escaping @Sendable () -> Void) async {
    if host.inHostThread { return body() }
    await withCheckedContinuation { continuation in
      host.execute {
        body()
        continuation.resume()
      }
    }
  }

  /// A handler sends one response message; suspends while the client has
  /// no window for it or the connection's output is backed up.
  private func send(_ bytes: [UInt8], on id: UInt32) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      let box = UncheckedSendable(continuation)
      if host.inHostThread {
        write(bytes, from: 0, on: id) { box.value.resume(with: $0) }
      } else {
        host.execute { self.write(bytes, from: 0, on: id) { box.value.resume(with: $0) } }
      }
    }
  }

  /// Writes `bytes` from `offset` as DATA frames as far as the call's window
  /// allows, waiting (without blocking) for more window when it runs out;
  /// `done` runs once, when all is written or the call has ended.
  private func write(_ bytes: [UInt8], from start: Int, on id: UInt32, done: @escaping (Result<Void, any Error>) -> Void) {
    var offset = start
    repeat {
      guard let call = calls[id], !call.finished else {
        return done(.failure(RPCError(code: .cancelled, message: "the call has ended")))
      }
      if bytes.count > peer.maxMessageSize {
        return done(.failure(RPCError(
          code: .resourceExhausted, message: "response of \(bytes.count) bytes exceeds the client's limit of \(peer.maxMessageSize)")))
      }
      let room = min(call.sendWindow, peer.maxFrameSize)
      if (room <= 0 && bytes.count > 0) || host.isBackedUp {
        let resumeAt = offset
        call.waiters.append { [weak self] error in
          guard let self else { return done(.failure(RPCError(code: .cancelled, message: "the connection closed"))) }
          if let error { return done(.failure(error)) }
          self.write(bytes, from: resumeAt, on: id, done: done)
        }
        return
      }
      let size = min(room, bytes.count - offset)
      let last = offset + size == bytes.count
      bytes.withUnsafeBytes { raw in
        FrameEncoder.write(
          .data, flags: last ? 0 : FrameFlags.continues, callID: id,
          payload: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)]), to: &out.writer)
      }
      call.sendWindow -= size
      offset += size
      out.scheduleFlush()
    } while offset < bytes.count
    done(.success(()))
  }

  /// The handler returned (nil) or threw.
  private func completed(_ id: UInt32, _ error: RPCError?) {
    guard let call = calls[id], !call.finished else { return }
    finish(call, error)
  }

  // MARK: - Ending calls

  private func finish(_ call: ServerCall, _ error: RPCError?) {
    guard !call.finished else { return }
    if error != nil { call.cancellation.cancel() }
    writeStatus(call.id, error)
    remove(call)
  }

  /// Ends a call without a STATUS (cancelled by the client or the connection).
  private func abandon(_ call: ServerCall, error: RPCError) {
    call.finished = true
    call.cancellation.cancel()
    call.wakeWaiters(error)
    if let timer = call.deadlineTimer { host.cancelTimer(timer) }
  }

  private func remove(_ call: ServerCall) {
    call.finished = true
    call.wakeWaiters(RPCError(code: .cancelled, message: "the call has ended"))
    if let timer = call.deadlineTimer { host.cancelTimer(timer) }
    calls[call.id] = nil
    if calls.isEmpty {
      if drain != nil || peerGoingAway { closeGracefully() } else { armIdleTimer() }
    }
  }

  private func writeStatus(_ id: UInt32, _ error: RPCError?) {
    let status = StatusPayload.make(error, maxFrameSize: peer.maxFrameSize, maxMetadataSize: peer.maxMetadataSize)
    FrameEncoder.write(.status, callID: id, message: status, to: &out.writer)
    out.scheduleFlush()
  }

  // MARK: - Keepalive, drain, errors

  private func pinged() {
    let now = host.now()
    let minimum = (calls.isEmpty ? limits.minPingIntervalWithoutCalls : limits.minPingIntervalWithCalls).nanoseconds
    if pingsAt != 0 && now &- pingsAt < minimum {
      pingStrikes += 1
      if pingStrikes > 2 { connectionError(.enhanceYourCalm, "too_many_pings") }
    }
    pingsAt = now
  }

  /// Starts a graceful drain: GOAWAY(2^31−1) and a PING; the final GOAWAY
  /// follows the PING's acknowledgement; calls then have `grace` to finish.
  public func beginDrain(grace: Duration) {
    guard !closed, drain == nil else { return }
    drain = DrainState()
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: FrameHeader.maxCallID, debugText: "shutdown"), to: &out.writer)
    FrameEncoder.writePing(drainPingToken, ack: false, to: &out.writer)
    out.scheduleFlush()
    // Send the final GOAWAY after a second even if the PING is never acknowledged.
    _ = host.scheduleTimer(at: host.now() &+ 1_000_000_000) { [weak self] in self?.sendFinalGoAway() }
    drain?.graceTimer = host.scheduleTimer(at: host.now() &+ grace.nanoseconds) { [weak self] in
      guard let self, !self.closed else { return }
      for call in self.calls.values { self.finish(call, RPCError(code: .unavailable, message: "the server is shutting down")) }
      self.closeGracefully()
    }
    if calls.isEmpty { sendFinalGoAway() }
  }

  private func sendFinalGoAway() {
    guard !closed, var state = drain, !state.finalGoAwaySent else { return }
    state.finalGoAwaySent = true
    drain = state
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: highestCallID, debugText: "shutdown"), to: &out.writer)
    out.scheduleFlush()
    if calls.isEmpty { closeGracefully() }
  }

  private func connectionError(_ code: GoAwayCode, _ text: String) {
    guard !closed else { return }
    log("closing a connection: \(code) \(text)")
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(
        lastCallID: highestCallID, errorCode: code.rawValue, debugText: text.truncated(toUTF8Bytes: StatusPayload.maxMessageBytes)),
      to: &out.writer)
    out.flush()
    for call in calls.values { abandon(call, error: RPCError(code: .unavailable, message: "the connection failed")) }
    calls = [:]
    closed = true
    cancelTimers()
    host.closeWhenFlushed()
    onClose()
  }

  private func closeGracefully() {
    guard !closed else { return }
    out.flush()
    closed = true
    cancelTimers()
    host.closeWhenFlushed()
    onClose()
  }

  private func cancelTimers() {
    for timer in [handshakeTimer, partialTimer, idleTimer, drain?.graceTimer].compactMap({ $0 }) { host.cancelTimer(timer) }
    handshakeTimer = nil
    partialTimer = nil
    idleTimer = nil
  }

  /// Marks the connection idle; one timer per connection checks, when it
  /// fires, whether the connection has stayed idle long enough (re-arming
  /// per call would churn the loop's timers on every call).
  private func armIdleTimer() {
    guard !closed else { return }
    idleSince = host.now()
    guard idleTimer == nil else { return }
    scheduleIdleCheck(at: idleSince &+ limits.idleTimeout.nanoseconds)
  }

  private func scheduleIdleCheck(at deadline: UInt64) {
    idleTimer = host.scheduleTimer(at: deadline) { [weak self] in
      guard let self, !self.closed else { return }
      self.idleTimer = nil
      let timeout = self.limits.idleTimeout.nanoseconds
      if self.idleSince == 0 {
        self.scheduleIdleCheck(at: self.host.now() &+ timeout)
      } else if self.host.now() &- self.idleSince >= timeout {
        FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: self.highestCallID, debugText: "max_idle"), to: &self.out.writer)
        self.closeGracefully()
      } else {
        self.scheduleIdleCheck(at: self.idleSince &+ timeout)
      }
    }
  }

  /// Drops a peer that leaves a frame half-sent for too long.
  private func armPartialTimer() {
    if !decoder.hasPartialFrame {
      if let timer = partialTimer { host.cancelTimer(timer) }
      partialTimer = nil
      return
    }
    guard partialTimer == nil else { return }
    let consumedBefore = decoder.consumedByteCount
    partialTimer = host.scheduleTimer(at: host.now() &+ limits.partialFrameTimeout.nanoseconds) { [weak self] in
      guard let self, !self.closed else { return }
      self.partialTimer = nil
      if self.decoder.hasPartialFrame && self.decoder.consumedByteCount == consumedBefore {
        self.connectionError(.protocolError, "frame read timeout")
      } else {
        self.armPartialTimer()
      }
    }
  }

  /// The transport's output drained: writers waiting on it may continue.
  public func transportDrained() {
    for call in calls.values where !call.waiters.isEmpty { call.wakeWaiters() }
  }
}
