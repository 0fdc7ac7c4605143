import HookwireWire

/// Calls: opening, reading requests, running handlers, writing responses, ending.
extension ServerConnection {
  func opened(_ id: UInt32, _ open: CallOpen) throws(WireError) {
    guard id > highestCallID else {
      throw WireError(.malformedFrame, at: -1, "OPEN for call \(id) does not follow call \(highestCallID)")
    }
    if case .peerGoingAway = state { throw goneAway(id) }
    if case .draining(let drain) = state, drain.peerGoingAway { throw goneAway(id) }
    highestCallID = id
    becameBusy()
    let metadataSize = open.metadata.encodedMetadataSize
    let metadata: Metadata
    do throws(WireError) {
      guard metadataSize <= limits.maxMetadataSize else {
        return refuse(id, open.method, .resourceExhausted, "metadata of \(metadataSize) bytes exceeds the limit of \(limits.maxMetadataSize)")
      }
      metadata = try Metadata(wire: open.metadata)
    } catch {
      return refuse(id, open.method, .invalidArgument, error.detail)
    }
    if case .draining(let drain) = state, drain.finalGoAway == .sent {
      return refuse(id, open.method, .unavailable, "the server is shutting down")
    }
    guard calls.count < limits.maxConcurrentCalls else {
      return refuse(id, open.method, .resourceExhausted, "more than \(limits.maxConcurrentCalls) concurrent calls on one connection")
    }
    let handler = router.handler(for: open.method)
    let call = ServerCall(
      id: id, method: open.method, handler: handler, metadata: metadata, inboundWindow: limits.initialCallWindow,
      sendWindow: peer.initialCallWindow)
    calls[id] = call
    metricsBegan(call, path: open.method)
    guard handler != nil else {
      return finish(call, RPCError(code: .unimplemented, message: "method \(open.method) is not implemented"))
    }
    if open.timeoutUs > 0 {
      let deadline = MonotonicDeadline(afterMicroseconds: open.timeoutUs, from: loop.now())
      call.deadline = .now + .microseconds(Int64(clamping: open.timeoutUs))
      guard !deadline.isDistantFuture else { return }
      scheduleDeadline(of: call, at: deadline)
    }
  }

  private func goneAway(_ id: UInt32) -> WireError {
    WireError(.malformedFrame, at: -1, "OPEN for call \(id) after the client's GOAWAY")
  }

  /// Ends a call that never ran, before it has state.
  private func refuse(_ id: UInt32, _ method: String, _ code: StatusCode, _ message: String) {
    metrics?.refused(method, code)
    let error = RPCError(code: code, message: message)
    writeStatus(id, error)
    callEnded?(CallEnd(id: CallID(connection: serial, call: id), method: method, error: error, values: ServerContextValues()))
  }

  func data(_ id: UInt32, _ payload: [UInt8], endStream: Bool, continues: Bool) {
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
    Task(executorPreference: limits.runHandlersOnEventLoop ? loop.taskExecutor : nil) { [self, brackets, interceptors] in
      for bracket in brackets { bracket.callBegan() }
      let status: RPCError?
      // What the interceptors attached, for the call's log line.
      var handlerValues = context.values
      do {
        if interceptors.isEmpty {
          // Straight to the handler: an empty chain would still cost two async frames.
          try await handler.run(request, context) { bytes in try await self.send(bytes, on: id) }
        } else {
          try await interceptors.run(context) { context in
            handlerValues = context.values
            try await handler.run(request, context) { bytes in try await self.send(bytes, on: id) }
          }
        }
        status = nil
      } catch {
        status = RPCError(converting: error)
      }
      for bracket in brackets.reversed() { bracket.callEnded() }
      let values = handlerValues
      await onLoop { self.completed(id, status, values) }
    }
  }

  /// Runs `body` on the loop thread: at once if already there.
  private func onLoop(_ body: @escaping @Sendable () -> Void) async {
    if loop.inHostThread { return body() }
    await withCheckedContinuation { continuation in
      loop.execute {
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
      if loop.inHostThread {
        write(bytes, from: 0, on: id) { box.value.resume(with: $0) }
      } else {
        loop.execute { self.write(bytes, from: 0, on: id) { box.value.resume(with: $0) } }
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
      if (room <= 0 && bytes.count > 0) || sink.isBackedUp {
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
  private func completed(_ id: UInt32, _ error: RPCError?, _ values: ServerContextValues) {
    guard let call = calls[id], !call.finished else { return }
    finish(call, error, values: values)
  }

  // MARK: - Ending calls

  /// Sends the call's STATUS and forgets it. An INTERNAL or UNKNOWN
  /// message is given the call's id, which `callEnded` hears with the rest.
  func finish(_ call: ServerCall, _ error: RPCError?, values: ServerContextValues = ServerContextValues()) {
    guard !call.finished else { return }
    metricsEnded(call, error?.code ?? .ok)
    var error = error
    if let failure = error {
      call.cancellation.cancel()
      if failure.code == .internal || failure.code == .unknown { error = failure.naming(CallID(connection: serial, call: call.id)) }
    }
    writeStatus(call.id, error)
    callEnded?(CallEnd(id: CallID(connection: serial, call: call.id), method: call.method, error: error, values: values))
    remove(call)
  }

  /// Ends a call without a STATUS (cancelled by the client or the connection).
  func abandon(_ call: ServerCall, error: RPCError) {
    metricsEnded(call, error.code)
    call.finished = true
    call.cancellation.cancel()
    call.wakeWaiters(error)
    if let timer = call.deadlineTimer { loop.cancelTimer(timer) }
  }

  func remove(_ call: ServerCall) {
    call.finished = true
    call.wakeWaiters(RPCError(code: .cancelled, message: "the call has ended"))
    if let timer = call.deadlineTimer { loop.cancelTimer(timer) }
    calls[call.id] = nil
    if calls.isEmpty { becameIdle() }
  }

  private func writeStatus(_ id: UInt32, _ error: RPCError?) {
    let status = StatusPayload.make(error, maxFrameSize: peer.maxFrameSize, maxMetadataSize: peer.maxMetadataSize)
    FrameEncoder.write(.status, callID: id, message: status, to: &out.writer)
    out.scheduleFlush()
  }
}
