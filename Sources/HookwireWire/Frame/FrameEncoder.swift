/// Writes frames into a `WireWriter`, several per buffer, for one `send`.
public enum FrameEncoder {
  /// Appends a frame whose payload is a message, back-filling its length.
  public static func write<M: WireMessage>(
    _ type: FrameType, flags: UInt8 = 0, callID: UInt32, message: M, to writer: inout WireWriter
  ) {
    let headerAt = writer.count
    FrameHeader(length: 0, type: type, flags: flags, callID: callID).write(to: &writer)
    message.encode(to: &writer)
    writer.setUInt32BigEndian(UInt32(writer.count - headerAt - FrameHeader.size), at: headerAt)
  }

  /// Appends a frame with a raw payload.
  public static func write(
    _ type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: UnsafeRawBufferPointer, to writer: inout WireWriter
  ) {
    FrameHeader(length: UInt32(payload.count), type: type, flags: flags, callID: callID).write(to: &writer)
    writer.writeRaw(payload)
  }

  /// Appends a frame.
  public static func write(_ frame: Frame, to writer: inout WireWriter) {
    frame.payload.withUnsafeBytes {
      write(frame.type, flags: frame.flags, callID: frame.callID, payload: $0, to: &writer)
    }
  }

  /// Appends one message as DATA frames of at most `maxFrameSize` payload
  /// bytes each; all but the last carry the CONTINUES flag.
  public static func writeData(
    callID: UInt32, message: UnsafeRawBufferPointer, endStream: Bool, maxFrameSize: Int, to writer: inout WireWriter
  ) {
    precondition(maxFrameSize > 0)
    var offset = 0
    repeat {
      let size = min(maxFrameSize, message.count - offset)
      let last = offset + size == message.count
      var flags: UInt8 = last ? 0 : FrameFlags.continues
      if last && endStream { flags |= FrameFlags.endStream }
      write(.data, flags: flags, callID: callID, payload: UnsafeRawBufferPointer(rebasing: message[offset..<(offset + size)]), to: &writer)
      offset += size
    } while offset < message.count
  }

  /// Appends a PING (or its acknowledgement) carrying `opaque`.
  public static func writePing(_ opaque: UInt64, ack: Bool, to writer: inout WireWriter) {
    FrameHeader(length: 8, type: .ping, flags: ack ? FrameFlags.ack : 0, callID: 0).write(to: &writer)
    writer.writeUInt32BigEndian(UInt32(truncatingIfNeeded: opaque >> 32))
    writer.writeUInt32BigEndian(UInt32(truncatingIfNeeded: opaque))
  }

  /// Appends a WINDOW_UPDATE granting `increment` more bytes on `callID`.
  public static func writeWindowUpdate(callID: UInt32, increment: UInt32, to writer: inout WireWriter) {
    FrameHeader(length: 4, type: .windowUpdate, flags: 0, callID: callID).write(to: &writer)
    writer.writeUInt32BigEndian(increment)
  }
}
