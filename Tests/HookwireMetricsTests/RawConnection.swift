import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP connection for tests that speak HTTP by hand
/// (garbage, partial heads, pipelining). Every blocking call runs on a
/// thread of its own and is awaited, so no thread of Swift's cooperative
/// pool ever waits on the socket; reads are bounded by a receive timeout.
final class RawConnection: @unchecked Sendable {
  // Unchecked: the descriptor is used by one operation at a time, each awaited before the next.
  let fd: Int32
  private var buffered: [UInt8] = []

  private init(fd: Int32) { self.fd = fd }

  deinit { close(fd) }

  /// Connects to `127.0.0.1:port`; reads give up after `timeout` without a byte.
  static func open(port: Int, timeout: Duration = .seconds(15)) async throws -> RawConnection {
    let fd = try await blocking { () throws -> Int32 in
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { throw RawConnectionError("socket failed") }
      var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(port).bigEndian)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      guard connected == 0 else {
        close(fd)
        throw RawConnectionError("connect failed: errno \(errno)")
      }
      return fd
    }
    return RawConnection(fd: fd)
  }

  /// Sends `text` (all of it).
  func send(_ text: String) async throws {
    let bytes = Array(text.utf8)
    let fd = fd
    try await Self.blocking { () throws -> Void in
      var offset = 0
      while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 && errno == EINTR { continue }
        guard sent > 0 else { throw RawConnectionError("send failed: errno \(errno)") }
        offset += sent
      }
    }
  }

  /// One response: status, lower-cased header names, body (by
  /// `content-length`; none for `HEAD`). Nil when the connection closed or
  /// went quiet first.
  func response(toHEAD: Bool = false) async -> RawResponse? {
    while true {
      if let end = find([13, 10, 13, 10], in: buffered) {
        let head = String(decoding: buffered[..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
          guard let colon = line.firstIndex(of: ":") else { continue }
          headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = toHEAD ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while buffered.count < end + 4 + length {
          guard await fill() else { return nil }
        }
        let body = Array(buffered[(end + 4)..<(end + 4 + length)])
        buffered.removeFirst(end + 4 + length)
        return RawResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
      }
      guard await fill() else { return nil }
    }
  }

  /// Whether the server closes the connection (a read returns its end)
  /// before `timeout` passes, discarding anything sent first.
  func closesByServer() async -> Bool {
    buffered = []
    while true {
      let count = await readChunk()
      if count == 0 { return true }
      if count < 0 { return false }
    }
  }

  /// Reads more into the buffer; false at the end or on a timeout.
  private func fill() async -> Bool { await readChunk() > 0 }

  /// Bytes read (0 at the end, -1 on a timeout or error).
  private func readChunk() async -> Int {
    let fd = fd
    let chunk = (try? await Self.blocking { () -> [UInt8]? in
      var bytes = [UInt8](repeating: 0, count: 65_536)
      while true {
        let count = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == EINTR { continue }
        if count < 0 { return nil }
        return Array(bytes[0..<count])
      }
    }) ?? nil
    guard let chunk else { return -1 }
    buffered += chunk
    return chunk.count
  }

  private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
      return index
    }
    return nil
  }

  /// Runs `body` on a new thread and awaits its result.
  static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try body() }) }.start()
    }
  }
}

/// A response as `RawConnection` read it.
struct RawResponse: Sendable {
  var status: Int
  var headers: [String: String]
  var body: String
}

/// A raw connection's failure.
struct RawConnectionError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
