import CHookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on one event loop that hands accepted connections on.
public final class TCPListener: EventLoopHandler {
  /// The loop that accepts.
  public let loop: EventLoop
  /// The listening socket.
  public let fd: Int32
  /// The port bound (useful after binding port 0).
  public let port: Int
  /// Called on the loop thread with each accepted socket and the address
  /// it came from (nil for a family other than IPv4 and IPv6); set before `start()`.
  public var onAccept: (Int32, PeerAddress?) -> Void
  private var closed = false

  /// Binds `host:port` (numeric host; port 0 picks one) and listens.
  /// With `reusePort`, several loops may listen on the same port and the
  /// kernel spreads connections across them.
  public init(host: String, port: Int, reusePort: Bool, loop: EventLoop, onAccept: @escaping (Int32, PeerAddress?) -> Void = { fd, _ in _ = Glibc.close(fd) }) throws(IOError) {
    let fd = Int32(try Syscall.blocking("socket") { Int(hw_tcp_socket(hw_is_ipv6(host))) })
    do throws(IOError) {
      _ = try Syscall.blocking("bind/listen") { Int(hw_bind_listen(fd, host, Int32(port), 1024, reusePort ? 1 : 0)) }
    } catch {
      Glibc.close(fd)
      throw error
    }
    self.fd = fd
    self.port = Int(hw_local_port(fd))
    self.loop = loop
    self.onAccept = onAccept
  }

  /// Starts accepting (loop thread).
  public func start() throws(IOError) {
    try loop.register(fd, events: UInt32(HW_EPOLLIN), handler: self)
  }

  public func handleEvents(_ events: UInt32) {
    while !closed {
      var address = [UInt8](repeating: 0, count: 16)
      var family: Int32 = 0
      do {
        let result = try address.withUnsafeMutableBufferPointer { buffer throws(IOError) in
          try Syscall.run("accept4") { Int(hw_accept_peer(fd, buffer.baseAddress, &family)) }
        }
        switch result {
        case .wouldBlock: return
        case .processed(let client):
          let peer: PeerAddress? =
            switch family {
            case 4: PeerAddress(family: .ipv4, bytes: Array(address.prefix(4)))
            case 6: PeerAddress(family: .ipv6, bytes: address)
            default: nil
            }
          onAccept(Int32(client), peer)
        }
      } catch {
        // EMFILE and the like: stop this turn; epoll will report the socket again.
        return
      }
    }
  }

  /// Closes a listener that was never started (any thread).
  public func closeUnregistered() {
    guard !closed else { return }
    closed = true
    Glibc.close(fd)
  }

  /// Stops accepting and closes the socket (loop thread).
  public func close() {
    guard !closed else { return }
    closed = true
    loop.deregister(fd)
    Glibc.close(fd)
  }
}
