import HookwireWire

extension ServerConnection {
  /// Where a connection is in its life, each stage holding exactly its own
  /// data; `enter(_:)` is the one place it changes.
  enum State {
    /// Waiting for the client's preface.
    case awaitingPreface(Handshake)
    /// The preface is read; the client's next frame must be its SETTINGS.
    case awaitingSettings(Handshake)
    /// Serving calls; closes after `idleTimeout` without one.
    case open(Idle)
    /// The client sent GOAWAY with calls still running: it opens no more,
    /// and the connection closes when the last one ends.
    case peerGoingAway
    /// The server is shutting down (§9) with calls still running.
    case draining(Drain)
    /// Closed: nothing more is read or written.
    case closed

    /// Every timer the stage holds.
    var timers: [TimerHandle] {
      switch self {
      case .awaitingPreface(let handshake), .awaitingSettings(let handshake): [handshake.timer, handshake.idle.timer]
      case .open(let idle): [idle.timer]
      case .draining(let drain):
        if case .awaitingPingAck(let fallback) = drain.finalGoAway { [fallback, drain.graceTimer] } else { [drain.graceTimer] }
      case .peerGoingAway, .closed: []
      }
    }
  }

  /// Until the client's preface and SETTINGS have arrived.
  struct Handshake {
    /// Fires `handshakeTimeout` after the connection began.
    var timer: TimerHandle
    /// The idle clock runs from the start, handshake included.
    var idle: Idle
  }

  /// The idle clock: one timer per connection, which checks when it fires
  /// whether the connection has stayed without calls long enough (re-arming
  /// it per call would churn the loop's timers on every call).
  struct Idle {
    var timer: TimerHandle
    /// When the connection last became idle; nil while a call runs.
    var since: MonotonicDeadline?
  }

  /// A graceful shutdown: GOAWAY(2^31−1) and a PING have gone; the final
  /// GOAWAY follows the PING's acknowledgement; calls have until the grace
  /// timer fires to finish.
  struct Drain {
    var finalGoAway: FinalGoAway
    var graceTimer: TimerHandle
    /// Whether the client has sent GOAWAY too (it may open no more calls).
    var peerGoingAway: Bool
  }

  /// Whether the final GOAWAY of a drain has gone.
  enum FinalGoAway: Equatable {
    /// Waiting for the drain PING's ACK; the timer sends it anyway after a second.
    case awaitingPingAck(fallback: TimerHandle)
    /// Sent: new calls are refused with UNAVAILABLE.
    case sent
  }

  /// The opaque value of the drain's PING.
  static let drainPingToken: UInt64 = 0x4457_4149_4E21_0001

  var isClosed: Bool {
    if case .closed = state { true } else { false }
  }

  /// Moves to `next`, cancelling every timer of the current stage that
  /// `next` does not keep (and, on closing, the partial-frame timer).
  func enter(_ next: State) {
    let kept = Set(next.timers)
    for timer in state.timers where !kept.contains(timer) { loop.cancelTimer(timer) }
    if case .closed = next, let timer = partialTimer {
      loop.cancelTimer(timer)
      partialTimer = nil
    }
    state = next
  }

  // MARK: - Transitions

  /// The client's GOAWAY: it opens no more calls; close once the current ones end.
  func peerWentAway() {
    guard !calls.isEmpty else { return closeGracefully() }
    switch state {
    case .draining(var drain):
      drain.peerGoingAway = true
      enter(.draining(drain))
    case .closed: return
    default: enter(.peerGoingAway)
    }
  }

  /// The last call ended: close if the connection is going away, else start
  /// the idle clock.
  func becameIdle() {
    switch state {
    case .draining, .peerGoingAway: closeGracefully()
    case .open(var idle):
      idle.since = loop.now()
      state = .open(idle)
    case .awaitingPreface(var handshake):
      handshake.idle.since = loop.now()
      state = .awaitingPreface(handshake)
    case .awaitingSettings(var handshake):
      handshake.idle.since = loop.now()
      state = .awaitingSettings(handshake)
    case .closed: return
    }
  }

  /// A call opened: the idle clock stops until the last one ends.
  func becameBusy() {
    if case .open(var idle) = state {
      idle.since = nil
      state = .open(idle)
    }
  }

  /// Starts a graceful drain: GOAWAY(2^31−1) and a PING; the final GOAWAY
  /// follows the PING's acknowledgement (or a second, if none comes);
  /// calls then have `grace` to finish.
  public func beginDrain(grace: Duration) {
    let peerGoingAway: Bool
    switch state {
    case .closed, .draining: return
    case .peerGoingAway: peerGoingAway = true
    case .awaitingPreface, .awaitingSettings, .open: peerGoingAway = false
    }
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: FrameHeader.maxCallID, debugText: "shutdown"), to: &out.writer)
    metrics?.goAway(.noError)
    FrameEncoder.writePing(Self.drainPingToken, ack: false, to: &out.writer)
    out.scheduleFlush()
    let now = loop.now()
    enter(.draining(Drain(
      finalGoAway: .awaitingPingAck(fallback: scheduleFinalGoAwayFallback(from: now)),
      graceTimer: scheduleGraceExpiry(at: now + grace), peerGoingAway: peerGoingAway)))
    if calls.isEmpty { sendFinalGoAway() }
  }

  /// The drain's final GOAWAY, naming the last call the server will process.
  /// `fallbackFired` says the fallback timer is what sent it (so it is not cancelled).
  func sendFinalGoAway(fallbackFired: Bool = false) {
    guard case .draining(var drain) = state, case .awaitingPingAck = drain.finalGoAway else { return }
    drain.finalGoAway = .sent
    if fallbackFired { state = .draining(drain) } else { enter(.draining(drain)) }
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: highestCallID, debugText: "shutdown"), to: &out.writer)
    out.scheduleFlush()
    if calls.isEmpty { closeGracefully() }
  }

  /// Closes after a connection-level error: GOAWAY with `code`, then close.
  func connectionError(_ code: GoAwayCode, _ text: String) {
    guard !isClosed else { return }
    log("closing a connection: \(code) \(text)")
    metrics?.goAway(code)
    FrameEncoder.write(.goAway, callID: 0, message: GoAway(
        lastCallID: highestCallID, errorCode: code.rawValue, debugText: text.truncated(toUTF8Bytes: StatusPayload.maxMessageBytes)),
      to: &out.writer)
    out.flush()
    for call in calls.values { abandon(call, error: RPCError(code: .unavailable, message: "the connection failed")) }
    calls = [:]
    enter(.closed)
    sink.closeWhenFlushed()
    onClose()
  }

  /// Closes once what is written has been sent.
  func closeGracefully() {
    guard !isClosed else { return }
    out.flush()
    enter(.closed)
    sink.closeWhenFlushed()
    onClose()
  }
}
