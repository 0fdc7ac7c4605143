import CSSL
import HookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// TLS over a connected `TCPStream`, on the stream's loop thread.
///
/// OpenSSL never sees the socket: ciphertext the TCP stream reads is
/// written into a memory BIO the `SSL` reads from, and what the `SSL`
/// writes into its output memory BIO is handed to the TCP stream. Nothing
/// here blocks. Input is bounded: each chunk the TCP stream reads (at most
/// its loop's 64 KiB scratch buffer) is decrypted completely before the
/// next, so the input BIO holds at most one chunk and a partial record
/// (records are at most 16 KiB plus overhead; OpenSSL refuses longer ones
/// and bounds handshake messages). Output is bounded as the TCP stream's
/// is: `isBackedUp` and `tlsStreamDrained` tell writers to wait, and the
/// TCP stream stops reading while its queue is above its high-water mark.
///
/// The TLS stream becomes the TCP stream's delegate; the TCP stream must
/// not have been started (`start()` starts it). Not thread-safe: every
/// member belongs to the loop thread. Close the stream before letting it go.
public final class TLSStream {
  enum State {
    /// Made, not started.
    case idle
    case handshaking
    case established
    /// This side's close_notify is sent; the TCP stream is flushing.
    case closing
    case closed
  }

  /// Receives the stream's events.
  public weak var delegate: (any TLSStreamDelegate)?
  /// Server: when the peer's first bytes are not TLS, what to answer in
  /// the clear (given those bytes) before closing — a protocol's own
  /// "this port needs TLS", so a plaintext client reads why instead of a
  /// bare close. Nil or an empty answer sends nothing.
  public var replyToPlaintext: ((UnsafeRawBufferPointer) -> [UInt8])?
  /// The context the stream was made from.
  let context: TLSContext
  /// Client: where resumable sessions are kept.
  let sessionKey: String?
  /// Client: the server's name as given (host name or IP address).
  let serverName: String?
  /// Client: the server asked for a certificate this client does not have.
  var certificateWasRequested = false
  private let tcp: TCPStream
  private let ssl: OpaquePointer
  /// The `SSL`, for the extensions in other files.
  var sslHandle: OpaquePointer { ssl }
  /// Ciphertext from the network, read by the `SSL`.
  private let input: OpaquePointer
  /// Ciphertext written by the `SSL`, for the network.
  private let output: OpaquePointer
  private(set) var state = State.idle
  private var handshakeCompleted = false
  private var sawFirstByte = false
  /// Plaintext written before the handshake completed (or that OpenSSL did not take yet).
  private var pendingPlaintext: [UInt8] = []
  /// `closeWhenFlushed` was called: close once `pendingPlaintext` has gone out.
  private var closeRequested = false
  private var peer: TLSPeerCertificate??
  /// At most this much plaintext goes into one `SSL_write`, so the output BIO stays small.
  private static let writeSlice = 64 * 1024

  /// A client stream to `serverName` (a host name, or an IP address with
  /// or without brackets): it sends it as SNI (not for IP addresses) and,
  /// unless the context says otherwise, requires the server's certificate to
  /// name it. With a `sessionKey` (e.g. "host:port") it offers a session
  /// remembered under that key and remembers the ones the server issues.
  public init(client context: TLSContext, over stream: TCPStream, serverName: String, sessionKey: String?) throws(TLSError) {
    precondition(!context.isServer, "a client stream needs a client context")
    let (ssl, input, output) = try Self.makeSSL(context)
    do throws(TLSError) {
      try Self.configureClient(ssl, context: context, serverName: serverName)
    } catch {
      SSL_free(ssl)
      throw error
    }
    self.context = context
    self.tcp = stream
    self.ssl = ssl
    self.input = input
    self.output = output
    self.serverName = serverName
    self.sessionKey = sessionKey
    SSL_set_connect_state(ssl)
    if let sessionKey, let session = context.sessionCache?.take(for: sessionKey) {
      // A session OpenSSL cannot use only means a full handshake.
      _ = SSL_set_session(ssl, session)
      SSL_SESSION_free(session)
    }
    attach()
  }

  /// A server stream, as the context says: its certificate, client
  /// certificates asked for or required, the application protocols served.
  public init(server context: TLSContext, over stream: TCPStream) throws(TLSError) {
    precondition(context.isServer, "a server stream needs a server context")
    let (ssl, input, output) = try Self.makeSSL(context)
    self.context = context
    self.tcp = stream
    self.ssl = ssl
    self.input = input
    self.output = output
    serverName = nil
    sessionKey = nil
    SSL_set_accept_state(ssl)
    attach()
  }

  deinit {
    SSL_set_ex_data(ssl, Self.ownerIndex, nil)
    SSL_free(ssl)
  }

  // MARK: - State

  /// The loop the stream belongs to.
  public var loop: EventLoop { tcp.loop }

  /// Whether writers should wait for `tlsStreamDrained`.
  public var isBackedUp: Bool { tcp.isBackedUp || pendingPlaintext.count > tcp.highWater }

  /// Whether the stream has closed (or failed); writes are then ignored.
  public var isClosed: Bool { state == .closed }

  /// Whether the handshake has completed (it stays true after the stream closes).
  public var isHandshakeComplete: Bool { handshakeCompleted }

  /// Whether the handshake resumed an earlier session.
  public var isSessionReused: Bool { handshakeCompleted && SSL_session_reused(ssl) == 1 }

  /// The application protocol agreed through ALPN, if any.
  public var negotiatedApplicationProtocol: String? {
    var data: UnsafePointer<UInt8>?
    var length: UInt32 = 0
    SSL_get0_alpn_selected(ssl, &data, &length)
    guard let data, length > 0 else { return nil }
    return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
  }

  /// The version the handshake settled on.
  public var negotiatedVersion: TLSVersion? {
    handshakeCompleted ? TLSVersion(rawValue: Int(SSL_version(ssl))) : nil
  }

  /// Server: the host name the client asked for (SNI), if any.
  public var requestedServerName: String? {
    SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
  }

  /// The peer's verified certificate: the server's (client side), or the
  /// client's when it sent one (server side). Nil before the handshake completes.
  public var peerCertificate: TLSPeerCertificate? {
    if let peer { return peer }
    guard handshakeCompleted else { return nil }
    var certificate: TLSPeerCertificate?
    if SSL_get_verify_result(ssl) == X509_V_OK, let x509 = SSL_get1_peer_certificate(ssl) {
      certificate = TLSPeerCertificate(x509: x509)
      X509_free(x509)
    }
    peer = .some(certificate)
    return certificate
  }

  // MARK: - Commands

  /// Starts the TCP stream's reading and, for a client, sends the ClientHello (loop thread).
  public func start() throws(TLSError) {
    precondition(loop.inEventLoop, "start must run on the loop thread")
    guard state == .idle else { return }
    state = .handshaking
    tcp.delegate = self
    do {
      try tcp.start()
    } catch {
      state = .closed
      tcp.delegate = nil
      tcp.close()
      throw TLSError(.io, "TLS: cannot start the connection: \(error)")
    }
    if !context.isServer { advance() }
  }

  /// Encrypts and sends `plaintext`; before the handshake completes it is
  /// kept and sent after it. Ignored once `closeWhenFlushed` or `close` was
  /// called. Writers should wait for `tlsStreamDrained` while `isBackedUp`.
  public func write(_ plaintext: UnsafeRawBufferPointer) {
    guard plaintext.count > 0, state == .idle || state == .handshaking || state == .established, !closeRequested else { return }
    guard state == .established, pendingPlaintext.isEmpty else {
      pendingPlaintext.append(contentsOf: plaintext)
      return
    }
    let written = writeRecords(plaintext)
    if written < plaintext.count && state == .established { pendingPlaintext.append(contentsOf: plaintext[written...]) }
  }

  /// Sends what was written, then close_notify, then closes the TCP stream
  /// once it has flushed; the delegate hears `closedWith(nil)` then.
  public func closeWhenFlushed() {
    switch state {
    case .idle:
      close()
    case .handshaking:
      closeRequested = true
    case .established:
      closeRequested = true
      if pendingPlaintext.isEmpty { sendCloseNotify() }
    case .closing, .closed:
      break
    }
  }

  /// Closes at once, without close_notify; the delegate hears `closedWith(nil)`.
  public func close() {
    guard state != .closed else { return }
    finish(nil, flushing: false)
  }

  // MARK: - Driving OpenSSL

  /// Runs the handshake as far as the input allows, then decrypts what
  /// arrived and sends what OpenSSL wrote.
  private func advance() {
    if state == .handshaking {
      OpenSSLErrors.clear()
      let result = SSL_do_handshake(ssl)
      flushOutput()
      guard state == .handshaking else { return }
      guard result == 1 else {
        if SSL_get_error(ssl, result) == SSL_ERROR_WANT_READ { return }
        return fail(failure(result))
      }
      handshakeCompleted = true
      if context.isServer && context.requiresApplicationProtocol && negotiatedApplicationProtocol == nil {
        return fail(TLSError(.protocolError, "TLS: the client offered no application protocol this server speaks"))
      }
      state = .established
      delegate?.tlsStreamEstablished(self)
      flushPlaintext()
    }
    readRecords()
    flushPlaintext()
  }

  /// Decrypts every whole record in the input, handing the plaintext on.
  private func readRecords() {
    // The loop's scratch buffer is free here: the chunk it held has been
    // copied into the input BIO, and the TCP stream reads into it only from
    // its own event handler, never during a delegate call.
    let buffer = loop.scratch
    while state == .established {
      OpenSSLErrors.clear()
      let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
      if count > 0 {
        delegate?.tlsStream(self, received: UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)]))
        continue
      }
      let error = SSL_get_error(ssl, count)
      flushOutput()
      guard state == .established else { return }
      switch error {
      case SSL_ERROR_WANT_READ:
        return
      case SSL_ERROR_ZERO_RETURN:
        // The peer's close_notify: answer with ours and close cleanly.
        OpenSSLErrors.clear()
        _ = SSL_shutdown(ssl)
        return finish(nil, flushing: true)
      default:
        return fail(failure(count))
      }
    }
    flushOutput()
  }

  /// Encrypts as much of `plaintext` as OpenSSL takes; returns how much.
  private func writeRecords(_ plaintext: UnsafeRawBufferPointer) -> Int {
    guard let base = plaintext.baseAddress else { return 0 }
    var offset = 0
    while offset < plaintext.count && state == .established {
      OpenSSLErrors.clear()
      let count = SSL_write(ssl, base + offset, Int32(min(plaintext.count - offset, Self.writeSlice)))
      if count > 0 {
        offset += Int(count)
        flushOutput()
        continue
      }
      switch SSL_get_error(ssl, count) {
      case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
        flushOutput()
        return offset
      default:
        fail(failure(count))
        return offset
      }
    }
    return offset
  }

  /// Sends plaintext kept during the handshake, telling the delegate when
  /// that ends a backlog (unless `announcingDrain` is false); then a requested close.
  private func flushPlaintext(announcingDrain: Bool = true) {
    guard state == .established else { return }
    if !pendingPlaintext.isEmpty {
      let wasBackedUp = isBackedUp
      let pending = pendingPlaintext
      pendingPlaintext = []
      let written = pending.withUnsafeBytes { writeRecords($0) }
      guard state == .established else { return }
      if written < pending.count { pendingPlaintext = Array(pending[written...]) + pendingPlaintext }
      if announcingDrain && wasBackedUp && !isBackedUp { delegate?.tlsStreamDrained(self) }
    }
    if closeRequested && pendingPlaintext.isEmpty && state == .established { sendCloseNotify() }
  }

  private func sendCloseNotify() {
    state = .closing
    OpenSSLErrors.clear()
    _ = SSL_shutdown(ssl)
    flushOutput()
    guard state == .closing else { return }
    tcp.closeWhenFlushed()
  }

  /// Hands what OpenSSL wrote to the TCP stream, without copying it here.
  private func flushOutput() {
    var data: UnsafeMutablePointer<CChar>?
    let count = hw_bio_mem_data(output, &data)
    guard count > 0, let data else { return }
    tcp.write(UnsafeRawBufferPointer(start: data, count: count))
    _ = hw_bio_reset(output)
  }

  private func fail(_ error: TLSError) {
    finish(.tls(error), flushing: true)
  }

  /// Ends the stream and tells the delegate, once. `flushing` sends what
  /// OpenSSL wrote last (an alert, close_notify) before the TCP stream closes.
  private func finish(_ error: TLSStreamError?, flushing: Bool) {
    guard state != .closed else { return }
    state = .closed
    pendingPlaintext = []
    tcp.delegate = nil
    if flushing {
      flushOutput()
      tcp.closeWhenFlushed()
    } else {
      tcp.close()
    }
    let delegate = self.delegate
    self.delegate = nil
    delegate?.tlsStream(self, closedWith: error)
  }
}

extension TLSStream: TCPStreamDelegate {
  public func streamReceived(_ bytes: UnsafeRawBufferPointer) {
    guard state == .handshaking || state == .established, let base = bytes.baseAddress, bytes.count > 0 else { return }
    if !sawFirstByte {
      sawFirstByte = true
      // Every TLS conversation opens with a handshake record (0x16), or an
      // alert (0x15) refusing one.
      if bytes[0] != 0x16 && bytes[0] != 0x15 {
        if let reply = replyToPlaintext?(bytes), !reply.isEmpty { reply.withUnsafeBytes { tcp.write($0) } }
        return fail(TLSError(.notTLS, "TLS: the peer does not speak TLS (it sent \"\(TLSError.printable(bytes, limit: 24))\")"))
      }
    }
    guard BIO_write(input, base, Int32(bytes.count)) == Int32(bytes.count) else {
      return fail(TLSError(.protocolError, "TLS: cannot buffer input: \(OpenSSLErrors.drainedText(fallback: "out of memory"))"))
    }
    advance()
  }

  public func streamDrained() {
    guard state == .established else { return }
    flushPlaintext(announcingDrain: false)
    if state == .established && !isBackedUp { delegate?.tlsStreamDrained(self) }
  }

  public func streamClosed(_ error: IOError?) {
    guard state != .closed && state != .idle else { return }
    if let error { return finish(.io(error), flushing: false) }
    switch state {
    case .handshaking:
      if certificateWasRequested && !context.hasCertificate {
        return finish(.tls(TLSError(.clientCertificateRequired, "TLS: the server requires a client certificate")), flushing: false)
      }
      finish(.tls(TLSError(.protocolError, "TLS: the connection closed during the handshake")), flushing: false)
    default:
      finish(nil, flushing: false)
    }
  }
}
