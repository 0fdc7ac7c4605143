/// What a `TLSStream` tells the code above it; called on the stream's loop thread.
///
/// A delegate may call the stream's `write`, `closeWhenFlushed` and `close`
/// from inside any of these calls.
public protocol TLSStreamDelegate: AnyObject {
  /// The handshake finished: the peer is verified, ALPN and session facts are known.
  func tlsStreamEstablished(_ stream: TLSStream)
  /// Decrypted bytes arrived; they are valid only during the call.
  func tlsStream(_ stream: TLSStream, received plaintext: UnsafeRawBufferPointer)
  /// Output that had backed up has drained: writing may go on.
  func tlsStreamDrained(_ stream: TLSStream)
  /// The stream closed, once: nil for a clean end (the peer's close_notify,
  /// its end of stream after the handshake, or this side's `close` or
  /// `closeWhenFlushed`), else why it failed.
  func tlsStream(_ stream: TLSStream, closedWith error: TLSStreamError?)
}
