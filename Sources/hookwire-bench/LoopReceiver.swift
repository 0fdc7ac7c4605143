import HookwirePosix
import HookwireTLS
import Synchronization

/// An HTTP/1.1 receiver on one Hookwire event loop: answers every request
/// `200 ok` on keep-alive connections and counts them, so benchmarks can
/// tell the client's cost from the receiver's. With a TLS context it
/// answers over TLS (the same loop drives the handshakes).
final class LoopReceiver: @unchecked Sendable {
  // Unchecked: the listener and connections live on `loop`; only `count`
  // is read from other threads, and it is atomic.
  let loop: EventLoop
  let port: Int
  let count = Atomic<Int>(0)
  private var listener: TCPListener?
  private var connections: [ObjectIdentifier: Connection] = [:]

  init(tls: TLSContext? = nil) throws {
    loop = try EventLoop(name: "bench-receiver")
    let listener = try TCPListener(host: "127.0.0.1", port: 0, reusePort: false, loop: loop)
    port = listener.port
    self.listener = listener
    listener.onAccept = { [unowned self] fd, _ in
      let stream = TCPStream(fd: fd, loop: loop)
      if let tls {
        guard let secured = try? TLSStream(server: tls, over: stream) else { return stream.close() }
        let connection = Connection(write: { secured.write($0) }, receiver: self)
        secured.delegate = connection
        connections[ObjectIdentifier(connection)] = connection
        do { try secured.start() } catch { secured.close() }
        return
      }
      let connection = Connection(write: { stream.write($0) }, receiver: self)
      stream.delegate = connection
      connections[ObjectIdentifier(connection)] = connection
      try? stream.start()
    }
    let box = UncheckedListener(listener)
    loop.execute { try? box.listener?.start() }
  }

  func stop() async {
    let box = UncheckedListener(listener)
    loop.execute { box.listener?.close() }
    await loop.shutdownGracefully()
  }

  final class Connection: TCPStreamDelegate, TLSStreamDelegate {
    let write: (UnsafeRawBufferPointer) -> Void
    unowned let receiver: LoopReceiver
    var buffer: [UInt8] = []
    static let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok".utf8)

    init(write: @escaping (UnsafeRawBufferPointer) -> Void, receiver: LoopReceiver) {
      self.write = write
      self.receiver = receiver
    }

    func streamReceived(_ bytes: UnsafeRawBufferPointer) {
      buffer.append(contentsOf: bytes)
      while let end = headEnd() {
        let head = String(decoding: buffer[0..<end], as: UTF8.self).lowercased()
        var length = 0
        if let range = head.range(of: "content-length:") {
          length = Int(head[range.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)) ?? 0
        }
        guard buffer.count >= end + 4 + length else { return }
        buffer.removeFirst(end + 4 + length)
        receiver.count.add(1, ordering: .relaxed)
        Self.response.withUnsafeBytes { write($0) }
      }
    }

    func headEnd() -> Int? {
      guard buffer.count >= 4 else { return nil }
      for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
        return index
      }
      return nil
    }

    func streamDrained() {}
    func streamClosed(_ error: IOError?) { receiver.connections[ObjectIdentifier(self)] = nil }

    func tlsStreamEstablished(_ stream: TLSStream) {}
    func tlsStream(_ stream: TLSStream, received plaintext: UnsafeRawBufferPointer) { streamReceived(plaintext) }
    func tlsStreamDrained(_ stream: TLSStream) {}
    func tlsStream(_ stream: TLSStream, closedWith error: TLSStreamError?) { streamClosed(nil) }
  }
}

struct UncheckedListener: @unchecked Sendable {
  // Unchecked: handed to work that runs on the listener's own loop.
  let listener: TCPListener?
  init(_ listener: TCPListener?) { self.listener = listener }
}
