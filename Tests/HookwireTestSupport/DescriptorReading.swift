import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads of child processes' pipes with plain `read(2)`, retried when a
/// signal interrupts them: Foundation's `FileHandle` reads trap on EINTR,
/// which a test process full of child processes does receive.
public enum DescriptorReading {
  /// The next chunk of `handle` (up to 64 KiB); empty at its end or on an error other than EINTR.
  public static func chunk(_ handle: FileHandle) -> Data {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
      if count > 0 { return Data(buffer[0..<count]) }
      if count < 0 && errno == EINTR { continue }
      return Data()
    }
  }

  /// Everything `handle` holds until its end.
  public static func toEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    while case let piece = chunk(handle), !piece.isEmpty { data.append(piece) }
    return data
  }
}
