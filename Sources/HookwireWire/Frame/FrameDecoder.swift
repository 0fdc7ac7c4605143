/// Splits a byte stream into frames.
///
/// It consumes nothing until a whole frame is buffered, and refuses a frame
/// whose length exceeds `maxFrameSize` as soon as its 10-byte header has
/// arrived, before buffering any of its payload.
public struct FrameDecoder: Sendable {
  /// The largest payload accepted, in bytes.
  public var maxFrameSize: Int
  private var buffer: [UInt8] = []
  private var start = 0
  private var consumed = 0

  /// Creates a decoder that accepts payloads up to `maxFrameSize` bytes.
  public init(maxFrameSize: Int = ProtocolDefaults.maxFrameSize) {
    self.maxFrameSize = maxFrameSize
  }

  /// Bytes received but not yet returned as frames.
  public var bufferedByteCount: Int { buffer.count - start }

  /// Bytes consumed as prefaces and frames since the decoder was created.
  public var consumedByteCount: Int { consumed }

  /// Whether a frame has started arriving but is not complete.
  public var hasPartialFrame: Bool { bufferedByteCount > 0 }

  /// Adds received bytes.
  public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
    if start > 0 && start >= buffer.count / 2 {
      buffer.removeFirst(start)
      start = 0
    }
    buffer.append(contentsOf: bytes)
  }

  /// Reads the peer's connection preface; nil until all 10 bytes are here.
  public mutating func nextPreface() throws(WireError) -> UInt16? {
    let result: Result<UInt16?, WireError> = buffer.withUnsafeBytes { all in
      let rest = UnsafeRawBufferPointer(rebasing: all[start...])
      do throws(WireError) { return .success(try ConnectionPreface.read(rest)) } catch { return .failure(error) }
    }
    let version = try result.get()
    if version != nil {
      start += ConnectionPreface.size
      consumed += ConnectionPreface.size
    }
    return version
  }

  /// The next whole frame, or nil when more bytes are needed.
  public mutating func nextFrame() throws(WireError) -> Frame? {
    let available = buffer.count - start
    guard available >= FrameHeader.size else { return nil }
    let header = buffer.withUnsafeBytes { FrameHeader(reading: UnsafeRawBufferPointer(rebasing: $0[start...])) }
    guard header.length <= UInt32(maxFrameSize) else {
      throw WireError(
        .frameTooLarge, at: consumed,
        "frame length \(header.length) exceeds the maximum frame size \(maxFrameSize)")
    }
    let total = FrameHeader.size + Int(header.length)
    guard available >= total else { return nil }
    let payload = Array(buffer[(start + FrameHeader.size)..<(start + total)])
    start += total
    consumed += total
    return Frame(type: header.type, flags: header.flags, callID: header.callID, payload: payload)
  }
}
