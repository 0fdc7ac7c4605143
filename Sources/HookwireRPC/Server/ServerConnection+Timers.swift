import HookwireWire

/// The connection's timers. Each is held by the stage (or call) it belongs
/// to, so leaving the stage cancels it; a timer that fires checks the stage
/// it finds.
extension ServerConnection {
  /// The client must send its preface and SETTINGS within `handshakeTimeout`.
  func scheduleHandshakeTimeout(from now: MonotonicDeadline) -> TimerHandle {
    loop.scheduleTimer(at: now + limits.handshakeTimeout) { [weak self] in
      guard let self else { return }
      switch self.state {
      case .awaitingPreface, .awaitingSettings:
        self.connectionError(.settingsTimeout, "no preface and SETTINGS within the handshake timeout")
      default: return
      }
    }
  }

  /// Checks at `deadline` whether the connection has been idle for
  /// `idleTimeout`: closes it with GOAWAY `max_idle` if so, else checks again.
  func scheduleIdleCheck(at deadline: MonotonicDeadline) -> TimerHandle {
    loop.scheduleTimer(at: deadline) { [weak self] in self?.idleCheckFired() }
  }

  private func idleCheckFired() {
    let idle: Idle
    switch state {
    case .awaitingPreface(let handshake), .awaitingSettings(let handshake): idle = handshake.idle
    case .open(let open): idle = open
    case .peerGoingAway, .draining, .closed: return
    }
    let now = loop.now()
    guard let since = idle.since else { return rearmIdleCheck(at: now + limits.idleTimeout) }
    guard now.nanoseconds(since: since) >= limits.idleTimeout.nanoseconds else {
      return rearmIdleCheck(at: since + limits.idleTimeout)
    }
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: highestCallID, debugText: "max_idle"), to: &out.writer)
    metrics?.goAway(.noError, idle: true)
    closeGracefully()
  }

  /// Replaces the idle timer that just fired with one at `deadline`.
  private func rearmIdleCheck(at deadline: MonotonicDeadline) {
    let timer = scheduleIdleCheck(at: deadline)
    switch state {
    case .awaitingPreface(var handshake):
      handshake.idle.timer = timer
      state = .awaitingPreface(handshake)
    case .awaitingSettings(var handshake):
      handshake.idle.timer = timer
      state = .awaitingSettings(handshake)
    case .open(var idle):
      idle.timer = timer
      state = .open(idle)
    case .peerGoingAway, .draining, .closed:
      loop.cancelTimer(timer)
    }
  }

  /// Drops a peer that leaves a frame half-sent for `partialFrameTimeout`.
  func armPartialTimer() {
    if !decoder.hasPartialFrame {
      if let timer = partialTimer { loop.cancelTimer(timer) }
      partialTimer = nil
      return
    }
    guard partialTimer == nil, !isClosed else { return }
    let consumedBefore = decoder.consumedByteCount
    partialTimer = loop.scheduleTimer(at: loop.now() + limits.partialFrameTimeout) { [weak self] in
      guard let self, !self.isClosed else { return }
      self.partialTimer = nil
      if self.decoder.hasPartialFrame && self.decoder.consumedByteCount == consumedBefore {
        self.connectionError(.protocolError, "frame read timeout")
      } else {
        self.armPartialTimer()
      }
    }
  }

  /// Sends a drain's final GOAWAY after a second even if its PING is never acknowledged.
  func scheduleFinalGoAwayFallback(from now: MonotonicDeadline) -> TimerHandle {
    loop.scheduleTimer(at: now + .seconds(1)) { [weak self] in self?.sendFinalGoAway(fallbackFired: true) }
  }

  /// When a drain's grace ends, the calls still running end UNAVAILABLE.
  func scheduleGraceExpiry(at deadline: MonotonicDeadline) -> TimerHandle {
    loop.scheduleTimer(at: deadline) { [weak self] in
      guard let self, !self.isClosed else { return }
      for call in self.calls.values { self.finish(call, RPCError(code: .unavailable, message: "the server is shutting down")) }
      self.closeGracefully()
    }
  }

  /// Ends `call` DEADLINE_EXCEEDED at `deadline`, unless it has ended by then.
  func scheduleDeadline(of call: ServerCall, at deadline: MonotonicDeadline) {
    call.deadlineTimer = loop.scheduleTimer(at: deadline) { [weak self, weak call] in
      guard let self, let call, !call.finished else { return }
      call.deadlineTimer = nil
      self.finish(call, RPCError(code: .deadlineExceeded, message: "the call's deadline passed on the server"))
    }
  }
}
