import HookwirePosix
import HookwireTLS
import Synchronization
import Testing

/// One end of a TLS connection in a test: it owns its stream, records what
/// the stream reports, and optionally echoes or reacts to what arrives.
final class TLSPeer: TLSStreamDelegate, @unchecked Sendable {
  // Unchecked: `stream` and the reaction closures are touched on the loop
  // thread only (set before the stream starts); what tests read from other
  // threads sits in `record`, behind its mutex.

  /// What the stream reported, for the test to read.
  struct Record: Sendable {
    var established = false
    var reused = false
    var applicationProtocol: String?
    var version: TLSVersion?
    var peerCertificate: TLSPeerCertificate?
    var received: [UInt8] = []
    var receivedCount = 0
    var drains = 0
    var closed = false
    /// How often the stream reported its close (it must be once).
    var closes = 0
    var error: TLSStreamError?

    /// The TLS error the stream closed with, if it closed with one.
    var tlsError: TLSError? {
      if case .tls(let error) = error { return error }
      return nil
    }
  }

  let loop: EventLoop
  var stream: TLSStream?
  let record = Mutex(Record())
  /// Write back whatever arrives.
  var echoes = false
  /// Keep received bytes in `record.received` (off for bulk transfers, which count).
  var keepsData = true
  /// Called once the stream has started (a client's is handshaking then).
  var onStarted: ((TLSPeer) -> Void)?
  var onEstablished: ((TLSPeer) -> Void)?
  var onReceive: ((TLSPeer, UnsafeRawBufferPointer) -> Void)?
  var onDrained: ((TLSPeer) -> Void)?
  /// Writes made before the stream existed.
  private var early: [[UInt8]] = []

  init(loop: EventLoop) { self.loop = loop }

  func tlsStreamEstablished(_ stream: TLSStream) {
    let (reused, alpn, version, peer) = (
      stream.isSessionReused, stream.negotiatedApplicationProtocol, stream.negotiatedVersion, stream.peerCertificate
    )
    record.withLock {
      $0.established = true
      $0.reused = reused
      $0.applicationProtocol = alpn
      $0.version = version
      $0.peerCertificate = peer
    }
    onEstablished?(self)
  }

  func tlsStream(_ stream: TLSStream, received plaintext: UnsafeRawBufferPointer) {
    if echoes { stream.write(plaintext) }
    let keeps = keepsData
    record.withLock {
      $0.receivedCount += plaintext.count
      if keeps { $0.received.append(contentsOf: plaintext) }
    }
    onReceive?(self, plaintext)
  }

  func tlsStreamDrained(_ stream: TLSStream) {
    record.withLock { $0.drains += 1 }
    onDrained?(self)
  }

  func tlsStream(_ stream: TLSStream, closedWith error: TLSStreamError?) {
    record.withLock {
      $0.closed = true
      $0.closes += 1
      $0.error = error
    }
  }

  /// Notes a failure to set the stream up.
  func failed(_ error: TLSStreamError) {
    record.withLock {
      $0.closed = true
      $0.error = error
    }
  }

  // MARK: - From the test

  /// Writes `bytes` on the loop (once the stream exists: a client's is made when its connection is).
  func write(_ bytes: [UInt8]) {
    loop.execute { [self] in
      guard let stream else { return early.append(bytes) }
      bytes.withUnsafeBytes { stream.write($0) }
    }
  }

  /// Takes `stream` (loop thread), writing what the test wrote before it existed.
  func attach(_ stream: TLSStream) {
    self.stream = stream
    stream.delegate = self
    for bytes in early { bytes.withUnsafeBytes { stream.write($0) } }
    early = []
  }

  /// Writes `text` on the loop.
  func write(_ text: String) { write(Array(text.utf8)) }

  func closeWhenFlushed() { loop.execute { [self] in stream?.closeWhenFlushed() } }

  func close() { loop.execute { [self] in stream?.close() } }

  /// Waits until `condition` holds for the record (at most 30 s) and returns it.
  @discardableResult
  func wait(
    _ what: String = "condition", sourceLocation: SourceLocation = #_sourceLocation, until condition: (Record) -> Bool
  ) async throws -> Record {
    let deadline = ContinuousClock.now + .seconds(30)
    while true {
      let snapshot = record.withLock { $0 }
      if condition(snapshot) { return snapshot }
      if ContinuousClock.now > deadline {
        Issue.record("timed out waiting for \(what); record: \(snapshot.summary)", sourceLocation: sourceLocation)
        throw TimedOut()
      }
      try await Task.sleep(for: .milliseconds(2))
    }
  }

  /// Waits until the stream is established or closed.
  @discardableResult
  func settled() async throws -> Record { try await wait("the handshake to settle") { $0.established || $0.closed } }

  /// Waits until the stream closed.
  @discardableResult
  func closed() async throws -> Record { try await wait("the stream to close") { $0.closed } }

  struct TimedOut: Error {}
}

extension TLSPeer.Record {
  var summary: String {
    "established=\(established) received=\(receivedCount) drains=\(drains) closed=\(closed) error=\(error.map { "\($0)" } ?? "nil")"
  }
}

extension TLSStream {
  /// Writes `text` as UTF-8 (loop thread).
  func write(text: String) { Array(text.utf8).withUnsafeBytes { write($0) } }
}
