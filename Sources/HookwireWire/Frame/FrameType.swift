/// The type byte of a frame header.
public struct FrameType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The byte on the wire.
  public var rawValue: UInt8

  /// Creates a type from its byte; unknown types are carried, then ignored.
  @inlinable
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// The sender's limits (call id 0).
  public static let settings = FrameType(rawValue: 0x01)
  /// Starts a call: method, relative deadline, metadata.
  public static let open = FrameType(rawValue: 0x02)
  /// A message, or one fragment of it.
  public static let data = FrameType(rawValue: 0x03)
  /// Ends a call with a status code, message and trailing metadata.
  public static let status = FrameType(rawValue: 0x04)
  /// The client abandons a call.
  public static let cancel = FrameType(rawValue: 0x05)
  /// Liveness check, echoed with the ACK flag (call id 0).
  public static let ping = FrameType(rawValue: 0x06)
  /// The sender stops taking calls above an id (call id 0).
  public static let goAway = FrameType(rawValue: 0x07)
  /// Grants the peer more DATA bytes on a call.
  public static let windowUpdate = FrameType(rawValue: 0x08)

  public var description: String {
    switch self {
    case .settings: "SETTINGS"
    case .open: "OPEN"
    case .data: "DATA"
    case .status: "STATUS"
    case .cancel: "CANCEL"
    case .ping: "PING"
    case .goAway: "GOAWAY"
    case .windowUpdate: "WINDOW_UPDATE"
    default: "UNKNOWN(0x\(String(rawValue, radix: 16)))"
    }
  }
}

/// Flag bits of a frame header; their meaning depends on the frame type.
public enum FrameFlags {
  /// SETTINGS, PING: this frame acknowledges the peer's.
  public static let ack: UInt8 = 0x01
  /// DATA: the sender sends no more messages on this call (client half-close).
  public static let endStream: UInt8 = 0x01
  /// DATA: the message continues in the next DATA frame of this call.
  public static let continues: UInt8 = 0x02
  /// DATA: reserved for compression; must be 0 in protocol version 1.
  public static let compressed: UInt8 = 0x04
}

/// The fixed 10-byte header that starts every frame.
///
/// `length:u32 | type:u8 | flags:u8 | call_id:u32`, big-endian; `length`
/// counts the payload bytes after the header.
public struct FrameHeader: Hashable, Sendable {
  /// The header's size on the wire.
  public static let size = 10
  /// The largest call id (the top bit of the field is reserved and ignored).
  public static let maxCallID: UInt32 = 0x7FFF_FFFF
  /// The largest a call's flow-control window may grow (2^31-1 bytes).
  public static let maxWindow: UInt32 = 0x7FFF_FFFF

  /// Payload length in bytes.
  public var length: UInt32
  /// The frame type.
  public var type: FrameType
  /// Type-specific flags.
  public var flags: UInt8
  /// The call the frame belongs to; 0 for the connection.
  public var callID: UInt32

  /// Creates a header.
  @inlinable
  public init(length: UInt32, type: FrameType, flags: UInt8, callID: UInt32) {
    self.length = length
    self.type = type
    self.flags = flags
    self.callID = callID
  }

  /// Reads a header from the first 10 bytes of `bytes`, which must hold them.
  @inlinable
  public init(reading bytes: UnsafeRawBufferPointer) {
    precondition(bytes.count >= Self.size)
    length = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
    type = FrameType(rawValue: bytes[4])
    flags = bytes[5]
    callID = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt32.self)) & Self.maxCallID
  }

  /// Appends the header to `writer`.
  @inlinable
  public func write(to writer: inout WireWriter) {
    writer.writeUInt32BigEndian(length)
    writer.writeByte(type.rawValue)
    writer.writeByte(flags)
    writer.writeUInt32BigEndian(callID & Self.maxCallID)
  }
}
