@_exported import HookwireAPI
@_exported import HookwireRPC
@_exported import HookwireWire
@_exported import HookwireTCP
@_exported import HookwireTLS
import Synchronization

/// A connection to a Hookwire server that many tasks share: calls are
/// multiplexed over one connection, opened lazily, reopened after it drops
/// (with exponential backoff after failed attempts), and moved to a new
/// connection when the server sends GOAWAY.
///
/// Generated clients sit on top of it:
/// `Webhooks.Client(wrapping: client).getWebhook(request)`. Metadata every
/// call carries (the API key) is set once, in `Configuration.defaultMetadata`
/// or with an interceptor such as `APIKeyInterceptor`; a call's own
/// metadata adds to it and replaces the keys it names.
///
/// Calls beyond the server's concurrent-call limit (its SETTINGS
/// `max_concurrent_calls`, 100 by default) wait for a slot on the
/// connection, first come first served, as gRPC clients queue on HTTP/2's
/// stream limit; a waiting call still ends at its deadline or when its task
/// is cancelled.
public final class RPCClient: RPCResponseMetadataCaller, @unchecked Sendable {
  // Unchecked: the mutable state below is touched only on the transport's
  // thread; public entry points hop there with `transport.execute`.

  /// How the client connects and calls.
  public struct Configuration: Sendable {
    /// Protocol limits this client announces and enforces.
    public var limits = ConnectionLimits()
    /// Delays between failed connection attempts.
    public var backoff = ConnectionBackoff()
    /// Keepalive pings on an open connection; off by default, as in gRPC.
    public var keepalive: Keepalive?
    /// How long one TCP connection attempt may take (gRPC's minimum connect
    /// timeout); a call's own deadline still ends its wait sooner.
    public var connectTimeout: Duration = .seconds(20)
    /// Plaintext (the default) or TLS, with or without a client certificate.
    public var security = TransportSecurity.plaintext
    /// Metadata sent with every call, such as `authorization`; a key the
    /// call's own metadata names is replaced by the call's values.
    public var defaultMetadata = Metadata()

    /// The defaults.
    public init() {}
  }

  /// Keepalive settings: ping every `interval`, give up after `timeout`.
  public struct Keepalive: Sendable {
    /// Time between pings (at least 10 s is polite to servers).
    public var interval: Duration
    /// How long to wait for a ping's acknowledgement.
    public var timeout: Duration

    /// Creates keepalive settings.
    public init(interval: Duration = .seconds(30), timeout: Duration = .seconds(20)) {
      self.interval = interval
      self.timeout = timeout
    }
  }

  let transport: any ClientTransport
  let configuration: Configuration
  /// Run around every call, the first outermost.
  let interceptors: [any ClientInterceptor]
  private var connection: ClientConnection?
  private var connecting = false
  /// Calls waiting for a connection.
  private var waiting: [OutgoingCall] = []
  /// Calls waiting, in order, for a free call slot on the open connection.
  private var slotQueue = CallQueue<OutgoingCall>()
  private var openingQueuedCalls = false
  private var failedAttempts = 0
  private var nextAttemptAt = MonotonicDeadline(nanoseconds: 0)
  private var reconnectTimer: TimerHandle?
  /// The next keepalive ping of the current connection.
  private var keepaliveTimer: TimerHandle?
  private var closed = false
  private let closeStarted = Atomic<Bool>(false)

  /// A client that reaches `host:port` over TCP: `host` is a name (looked
  /// up on each connection attempt, every address tried in turn) or an
  /// address; plaintext or TLS as `configuration.security` says.
  ///
  /// - Throws: `TLSError` when the TLS files cannot be used, `IOError`
  ///   when the client's event loop cannot start.
  public convenience init(
    host: String, port: Int, configuration: Configuration = Configuration(), interceptors: [any ClientInterceptor] = []
  ) throws {
    try self.init(
      transport: TCPClientTransport(
        host: host, port: port, connectTimeout: configuration.connectTimeout, security: configuration.security),
      configuration: configuration, interceptors: interceptors)
  }

  /// A client over any transport (TCP, or in-process for tests); every
  /// call runs through `interceptors`, the first outermost.
  public init(
    transport: any ClientTransport, configuration: Configuration = Configuration(), interceptors: [any ClientInterceptor] = []
  ) {
    self.transport = transport
    self.configuration = configuration
    self.interceptors = interceptors
  }

  /// Closes the connection; calls in flight fail with UNAVAILABLE. Later
  /// calls fail the same way; closing twice does nothing.
  public func close() async {
    guard !closeStarted.exchange(true, ordering: .acquiringAndReleasing) else { return }
    await withCheckedContinuation { continuation in
      transport.execute { [self] in
        closed = true
        let pending = waiting + slotQueue.removeAll()
        waiting = []
        for call in pending { call.finish(RPCError(code: .unavailable, message: "the client was closed"), on: transport) }
        connection?.close(RPCError(code: .unavailable, message: "the client was closed"))
        connection = nil
        continuation.resume()
      }
    }
    await transport.shutdown()
  }

  // MARK: - RPCCaller

  public func unary<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> Response {
    try await unaryResponse(request, method: method, responseType: responseType, metadata: metadata, options: options).message
  }

  /// Sends one request and returns the response with the metadata the
  /// server ended the call with.
  public func unaryResponse<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> ClientResponse<Response> {
    let context = ClientCallContext(method: method, metadata: configuration.defaultMetadata.overridden(by: metadata), options: options)
    if interceptors.isEmpty { return try await sendUnary(request, context: context, responseType: responseType) }
    return try await interceptors.run(context) { context in
      try await self.sendUnary(request, context: context, responseType: responseType)
    }
  }

  private func sendUnary<Request: WireMessage, Response: WireMessage>(
    _ request: Request, context: ClientCallContext, responseType: Response.Type
  ) async throws -> ClientResponse<Response> {
    let options = context.options
    try checkOpen()
    let call = try makeCall(request, method: context.method, metadata: context.metadata, options: options, unary: true)
    let bytes: [UInt8] = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        call.setUnaryContinuation(continuation)
        transport.execute { [self] in start(call) }
      }
    } onCancel: {
      transport.execute { [self] in cancel(call, RPCError(code: .cancelled, message: "the call was cancelled")) }
    }
    if let limit = options.maxResponseMessageBytes, bytes.count > limit {
      throw RPCError(code: .resourceExhausted, message: "response of \(bytes.count) bytes exceeds the limit of \(limit)")
    }
    do {
      return ClientResponse(message: try Response(serializedBytes: bytes), metadata: call.trailers)
    } catch {
      throw RPCError(code: .internal, message: "could not decode the response: \(error)")
    }
  }

  public func serverStreaming<Request: WireMessage, Response: WireMessage, Result: Sendable>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions,
    onResponse: @Sendable (RPCResponseStream<Response>) async throws -> Result
  ) async throws -> Result {
    let context = ClientCallContext(method: method, metadata: configuration.defaultMetadata.overridden(by: metadata), options: options)
    if interceptors.isEmpty { return try await sendStreaming(request, context: context, responseType: responseType, onResponse: onResponse) }
    return try await interceptors.run(context) { context in
      try await self.sendStreaming(request, context: context, responseType: responseType, onResponse: onResponse)
    }
  }

  private func sendStreaming<Request: WireMessage, Response: WireMessage, Result: Sendable>(
    _ request: Request, context: ClientCallContext, responseType: Response.Type,
    onResponse: @Sendable (RPCResponseStream<Response>) async throws -> Result
  ) async throws -> Result {
    try checkOpen()
    let call = try makeCall(request, method: context.method, metadata: context.metadata, options: context.options, unary: false)
    let buffer = ResponseBuffer(client: self, call: call)
    call.streamBuffer = buffer
    transport.execute { [self] in start(call) }
    defer {
      // A reader that stops early ends the call.
      transport.execute { [self] in cancel(call, RPCError(code: .cancelled, message: "the reader stopped")) }
    }
    return try await withTaskCancellationHandler {
      try await onResponse(RPCResponseStream(source: buffer))
    } onCancel: {
      transport.execute { [self] in cancel(call, RPCError(code: .cancelled, message: "the call was cancelled")) }
    }
  }

  /// How many calls wait for a call slot on the open connection (for tests).
  package func callsWaitingForSlot() async -> Int {
    await withCheckedContinuation { continuation in
      transport.execute { [self] in continuation.resume(returning: slotQueue.count) }
    }
  }

  /// After `close()` the transport's thread is gone: fail at once.
  private func checkOpen() throws {
    if closeStarted.load(ordering: .acquiring) {
      throw RPCError(code: .unavailable, message: "the client was closed")
    }
  }

  private func makeCall<Request: WireMessage>(
    _ request: Request, method: MethodDescriptor, metadata: Metadata, options: CallOptions, unary: Bool
  ) throws -> OutgoingCall {
    let bytes = request.serializedBytes()
    if let limit = options.maxRequestMessageBytes, bytes.count > limit {
      throw RPCError(code: .resourceExhausted, message: "request of \(bytes.count) bytes exceeds the limit of \(limit)")
    }
    let entries: [MetadataEntry]
    do {
      entries = try metadata.wireEntries()
    } catch {
      throw RPCError(code: .invalidArgument, message: "invalid metadata: \(error.detail)")
    }
    let deadline = options.timeout.map { MonotonicDeadline(after: $0, from: transport.now()) }
    return OutgoingCall(
      method: method.path, metadata: entries, request: bytes, unary: unary, deadline: deadline,
      waitForReady: options.waitForReady)
  }

  // MARK: - On the transport thread

  private func start(_ call: OutgoingCall) {
    guard !call.isDone else { return }
    if closed { return call.finish(RPCError(code: .unavailable, message: "the client was closed"), on: transport) }
    if let deadline = call.deadline, call.deadlineTimer == nil {
      guard deadline > transport.now() else {
        return call.finish(RPCError(code: .deadlineExceeded, message: "the deadline passed before the call started"), on: transport)
      }
      call.deadlineTimer = transport.scheduleTimer(at: deadline) { [weak self, weak call] in
        guard let self, let call else { return }
        call.deadlineTimer = nil
        self.cancel(call, RPCError(code: .deadlineExceeded, message: "the deadline passed"), code: .deadlineExceeded)
      }
    }
    if let connection, connection.acceptsCalls {
      if slotQueue.isEmpty && connection.hasFreeCallSlot {
        open(call, on: connection)
      } else {
        slotQueue.append(call)
      }
    } else {
      waiting.append(call)
      connect()
    }
  }

  /// Opens the calls waiting for a slot, oldest first, while the connection
  /// has room; when it takes no new calls they wait for the next connection.
  private func openQueuedCalls() {
    guard !openingQueuedCalls else { return }
    openingQueuedCalls = true
    defer { openingQueuedCalls = false }
    while let call = slotQueue.first {
      if call.isDone {
        _ = slotQueue.popFirst()
        continue
      }
      guard let connection, connection.acceptsCalls else {
        waiting.append(contentsOf: slotQueue.removeAll().filter { !$0.isDone })
        return connect()
      }
      guard connection.hasFreeCallSlot else { return }
      _ = slotQueue.popFirst()
      open(call, on: connection)
    }
  }

  private func open(_ call: OutgoingCall, on connection: ClientConnection) {
    var timeout: UInt64 = 0
    if let deadline = call.deadline {
      let now = transport.now()
      timeout = deadline > now ? max(1, deadline.remaining(at: now) / 1_000) : 1
    }
    let id = connection.startCall(
      method: call.method, metadata: call.metadata, timeoutMicroseconds: timeout, request: call.request,
      unary: call.unary,
      handlers: .init(
        onMessage: { [weak call] bytes in call?.received(bytes) },
        onEnd: { [weak self, weak call] error in
          guard let self, let call else { return }
          call.finish(error, on: self.transport)
        },
        onRefused: { [weak self, weak call] in
          guard let self, let call else { return }
          self.refused(call)
        },
        onTrailers: { [weak call] trailers in call?.trailers = trailers }))
    guard let id else {
      waiting.append(call)
      return connect()
    }
    call.attach(id: id, connection: connection)
  }

  /// The server's GOAWAY says it never saw the call (it crossed an idle
  /// close or a drain): send it once more on a new connection, as gRPC
  /// retries calls a server did not process; a second refusal fails it.
  private func refused(_ call: OutgoingCall) {
    guard !call.isDone else { return }
    guard !call.wasRefused, !closed else {
      return call.finish(RPCError(code: .unavailable, message: "the server is going away and did not process the call"), on: transport)
    }
    call.wasRefused = true
    call.detach()
    waiting.append(call)
    connect()
  }

  private func cancel(_ call: OutgoingCall, _ error: RPCError, code: StatusCode = .cancelled) {
    guard !call.isDone else { return }
    if let (id, connection) = call.attachment { connection.cancel(id, code: code) }
    if !slotQueue.remove(call) { waiting.removeAll { $0 === call } }
    call.finish(error, on: transport)
  }

  /// Consumed streaming bytes go back to the server as window.
  func consumed(_ bytes: Int, by call: OutgoingCall) {
    transport.execute {
      if let (id, connection) = call.attachment { connection.consumed(bytes, on: id) }
    }
  }

  private func connect() {
    guard !connecting, !closed else { return }
    let now = transport.now()
    if now < nextAttemptAt {
      failFastCalls(RPCError(code: .unavailable, message: "the server is unreachable; retrying after a backoff"))
      if reconnectTimer == nil && !waiting.isEmpty {
        reconnectTimer = transport.scheduleTimer(at: nextAttemptAt) { [weak self] in
          self?.reconnectTimer = nil
          self?.connect()
        }
      }
      return
    }
    connecting = true
    transport.connect { [weak self] result in
      guard let self else { return }
      self.connecting = false
      switch result {
      case .success(let link):
        self.failedAttempts = 0
        self.established(link)
      case .failure(let error):
        self.failedAttempts += 1
        self.nextAttemptAt = MonotonicDeadline(after: self.configuration.backoff.delay(afterFailures: self.failedAttempts), from: self.transport.now())
        self.failFastCalls(error)
        if !self.waiting.isEmpty { self.connect() }
      }
    }
  }

  private func failFastCalls(_ error: RPCError) {
    let failing = waiting.filter { !$0.waitForReady }
    waiting.removeAll { !$0.waitForReady }
    for call in failing { call.finish(error, on: transport) }
  }

  private func established(_ link: any ClientLink) {
    let connection = ClientConnection(host: link, limits: configuration.limits) { [weak self] _ in
      guard let self else { return }
      if self.connection?.isClosed == true { self.connection = nil }
      self.openQueuedCalls()
    }
    connection.onCallSlotsChanged = { [weak self] in self?.openQueuedCalls() }
    link.setReceivers(
      received: { [weak connection] in connection?.received($0) }, drained: {},
      closed: { [weak connection] in connection?.transportClosed() })
    if closed { return connection.close(RPCError(code: .unavailable, message: "the client was closed")) }
    self.connection = connection
    if let keepalive = configuration.keepalive { scheduleKeepalive(connection, keepalive) }
    let ready = waiting
    waiting = []
    for call in ready where !call.isDone { slotQueue.append(call) }
    openQueuedCalls()
  }

  private func scheduleKeepalive(_ connection: ClientConnection, _ keepalive: Keepalive) {
    // A pending ping belongs to an earlier connection, which has closed.
    if let earlier = keepaliveTimer { transport.cancelTimer(earlier) }
    keepaliveTimer = transport.scheduleTimer(at: MonotonicDeadline(after: keepalive.interval, from: transport.now())) {
      [weak self, weak connection] in
      self?.keepaliveTimer = nil
      guard let self, let connection, !connection.isClosed else { return }
      var answered = false
      let timeout = self.transport.scheduleTimer(at: MonotonicDeadline(after: keepalive.timeout, from: self.transport.now())) {
        if !answered { connection.close(RPCError(code: .unavailable, message: "keepalive ping timed out")) }
      }
      connection.ping { ok in
        answered = true
        self.transport.cancelTimer(timeout)
        if ok { self.scheduleKeepalive(connection, keepalive) }
      }
    }
  }
}
