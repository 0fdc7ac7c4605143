import HookwireWire

/// The payload of the STATUS frame that ends a call, bounded in one place.
///
/// Handler messages often quote the request (an unknown id, a bad event
/// type), so a message is capped at `maxMessageBytes` whatever its origin,
/// and the whole frame is kept within the peer's `max_frame_size`: trailing
/// metadata that does not fit the peer's limits is dropped, then the message
/// is cut further. A cut message ends with "…" and stays valid UTF-8.
enum StatusPayload {
  /// The longest status message sent, in UTF-8 bytes.
  static let maxMessageBytes = 1_024

  /// The `CallStatus` for `error` (nil for OK) that fits `maxFrameSize`
  /// bytes of payload and `maxMetadataSize` bytes of metadata.
  static func make(_ error: RPCError?, maxFrameSize: Int, maxMetadataSize: Int) -> CallStatus {
    var status = CallStatus()
    guard let error else { return status }
    status.code = error.code.rawValue
    status.message = error.message.truncated(toUTF8Bytes: maxMessageBytes)
    status.metadata = (try? error.metadata.wireEntries()) ?? []
    if status.metadata.encodedMetadataSize > maxMetadataSize || status.encodedSize > maxFrameSize {
      status.metadata = []
    }
    let overflow = status.encodedSize - maxFrameSize
    if overflow > 0 {
      // The message's length prefix can only shrink with it, so cutting
      // `overflow` bytes (ellipsis included) is enough.
      let room = max(0, status.message.utf8.count - overflow)
      status.message = status.message.truncated(toUTF8Bytes: room)
    }
    return status
  }
}

extension String {
  /// This string cut to at most `limit` UTF-8 bytes on a scalar boundary,
  /// ending with "…" when it was cut (the ellipsis counts toward `limit`).
  package func truncated(toUTF8Bytes limit: Int) -> String {
    let bytes = utf8
    guard bytes.count > limit else { return self }
    let ellipsis = "…"
    guard limit >= ellipsis.utf8.count else { return "" }
    var end = bytes.index(bytes.startIndex, offsetBy: limit - ellipsis.utf8.count)
    // Step back over continuation bytes (10xxxxxx) to the start of a scalar.
    while end > bytes.startIndex && bytes[end] & 0xC0 == 0x80 { end = bytes.index(before: end) }
    return String(decoding: bytes[..<end], as: UTF8.self) + ellipsis
  }
}

extension [MetadataEntry] {
  /// The bytes these entries take as `metadata` fields of OPEN or STATUS,
  /// each entry's tag and length prefix included (what `max_metadata_size`
  /// limits, `Schema/PROTOCOL.md` §11).
  package var encodedMetadataSize: Int {
    reduce(0) { $0 + 1 + WireSize.lengthDelimited($1.encodedSize) }
  }
}
