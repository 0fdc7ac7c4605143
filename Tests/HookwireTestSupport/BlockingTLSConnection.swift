import CSSL

#if canImport(Glibc)
import Glibc
#endif

/// Server-side TLS over a blocking socket, on a thread of its own (test
/// servers only). OpenSSL works over memory BIOs that this pumps with
/// `recv` and `send(MSG_NOSIGNAL)`, so a peer that goes away mid-write
/// cannot raise SIGPIPE in the test process.
final class BlockingTLSConnection {
  /// A server `SSL_CTX` made from PEM files.
  final class Context: @unchecked Sendable {
    // Unchecked: configured in `init`, only used to make connections afterwards.
    let pointer: OpaquePointer

    /// Presents `certificateFile` (a chain) signed with `keyFile`; with
    /// `clientCAFile`, requires client certificates issued by it.
    init(certificateFile: String, keyFile: String, clientCAFile: String?) throws {
      guard let context = SSL_CTX_new(TLS_server_method()) else { throw Failure(description: "SSL_CTX_new failed") }
      pointer = context
      _ = hw_ctx_set_min_version(context, TLS1_2_VERSION)
      guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1,
        SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1
      else {
        ERR_clear_error()
        throw Failure(description: "cannot use \(certificateFile) with \(keyFile)")
      }
      if let clientCAFile {
        guard SSL_CTX_load_verify_locations(context, clientCAFile, nil) == 1 else {
          ERR_clear_error()
          throw Failure(description: "cannot use client CA file \(clientCAFile)")
        }
        let sessionContext = Array("receiver".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
      }
    }

    deinit { SSL_CTX_free(pointer) }
  }

  /// Why a test TLS context could not be made.
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private let fd: Int32
  private let ssl: OpaquePointer
  private let input: OpaquePointer
  private let output: OpaquePointer
  private var chunk = [UInt8](repeating: 0, count: 16_384)

  /// Wraps the connected socket `fd` (which the caller keeps and closes).
  init?(fd: Int32, context: Context) {
    guard let ssl = SSL_new(context.pointer) else { return nil }
    guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
      SSL_free(ssl)
      return nil
    }
    hw_bio_set_mem_eof_return(input, -1)
    hw_bio_set_mem_eof_return(output, -1)
    SSL_set_bio(ssl, input, output)
    SSL_set_accept_state(ssl)
    self.fd = fd
    self.ssl = ssl
    self.input = input
    self.output = output
  }

  deinit { SSL_free(ssl) }

  /// Runs the handshake; false when it failed or the peer left.
  func handshake() -> Bool { drive { SSL_do_handshake(ssl) } == 1 }

  /// Reads plaintext into `buffer`; 0 at the end of the stream or on failure.
  func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let count = drive { SSL_read(ssl, buffer.baseAddress, Int32(buffer.count)) }
    return count > 0 ? Int(count) : 0
  }

  /// Sends all of `bytes`; false when the connection failed.
  func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let count = drive { SSL_write(ssl, bytes.baseAddress! + offset, Int32(bytes.count - offset)) }
      guard count > 0 else { return false }
      offset += Int(count)
    }
    return true
  }

  /// Sends close_notify.
  func shutdown() {
    ERR_clear_error()
    _ = SSL_shutdown(ssl)
    _ = flush()
  }

  /// Runs `operation` until it succeeds or fails for a reason other than
  /// wanting input, sending what OpenSSL wrote and reading what it wants.
  private func drive(_ operation: () -> Int32) -> Int32 {
    while true {
      ERR_clear_error()
      let result = operation()
      guard flush() else { return -1 }
      if result > 0 { return result }
      guard SSL_get_error(ssl, result) == SSL_ERROR_WANT_READ else { return result }
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { return -1 }
      _ = chunk.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32(count)) }
    }
  }

  /// Sends everything in the output BIO.
  private func flush() -> Bool {
    while BIO_ctrl_pending(output) > 0 {
      let count = chunk.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
      guard count > 0 else { return true }
      var sent = 0
      while sent < Int(count) {
        let result = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, Int(count) - sent, Int32(MSG_NOSIGNAL)) }
        if result < 0 && errno == EINTR { continue }
        guard result > 0 else { return false }
        sent += result
      }
    }
    return true
  }
}
