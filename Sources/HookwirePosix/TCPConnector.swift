import CHookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// Starting an outgoing connection.
public enum TCPConnector {
  /// Connects to `host:port` (numeric host) on `loop`, calling `completion`
  /// once, on the loop thread, with the connected stream or the error; a
  /// connection not made within `timeout` fails with `ETIMEDOUT` (the
  /// kernel alone would keep retrying an unanswered SYN for minutes).
  public static func connect(
    host: String, port: Int, loop: EventLoop, timeout: Duration = .seconds(20),
    completion: @escaping (Result<TCPStream, IOError>) -> Void
  ) {
    let fd: Int32
    do {
      fd = Int32(try Syscall.blocking("socket") { Int(hw_tcp_socket(hw_is_ipv6(host))) })
    } catch {
      completion(.failure(error))
      return
    }
    do {
      switch try Syscall.run("connect", { Int(hw_connect(fd, host, Int32(port))) }) {
      case .processed:
        completion(.success(TCPStream(fd: fd, loop: loop)))
      case .wouldBlock:
        let waiter = ConnectWaiter(fd: fd, loop: loop, completion: completion)
        try loop.register(fd, events: UInt32(HW_EPOLLOUT), handler: waiter)
        waiter.timer = loop.scheduleTimer(at: MonotonicClock.deadline(after: timeout)) { waiter.timedOut() }
      }
    } catch {
      Glibc.close(fd)
      completion(.failure(error))
    }
  }
}

/// Waits for a non-blocking connect to finish, or for its timeout.
final class ConnectWaiter: EventLoopHandler {
  let fd: Int32
  let loop: EventLoop
  private var completion: ((Result<TCPStream, IOError>) -> Void)?
  var timer: EventLoop.Timer?

  init(fd: Int32, loop: EventLoop, completion: @escaping (Result<TCPStream, IOError>) -> Void) {
    self.fd = fd
    self.loop = loop
    self.completion = completion
  }

  func handleEvents(_ events: UInt32) {
    guard let completion else { return }
    self.completion = nil
    if let timer { loop.cancelTimer(timer) }
    loop.deregister(fd)
    let error = hw_socket_error(fd)
    if error == 0 {
      completion(.success(TCPStream(fd: fd, loop: loop)))
    } else {
      Glibc.close(fd)
      completion(.failure(IOError(call: "connect", errno: error == -1 ? Glibc.errno : error)))
    }
  }

  func timedOut() {
    guard let completion else { return }
    self.completion = nil
    loop.deregister(fd)
    Glibc.close(fd)
    completion(.failure(IOError(call: "connect", errno: ETIMEDOUT)))
  }
}
