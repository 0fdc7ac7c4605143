/// An error found while encoding or decoding Hookwire's wire format.
///
/// Every decoding failure names the byte offset where it was found, counted
/// from the start of the outermost buffer handed to the decoder.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable, switchable code.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The code's stable name, as written in `Schema/PROTOCOL.md`.
    public let name: String

    /// The input ended inside a value.
    public static let truncated = Code(name: "truncated")
    /// A varint ran over 10 bytes, or its tenth byte carried bits beyond 64.
    public static let varintTooLong = Code(name: "varint_too_long")
    /// A length prefix points past the end of the enclosing message.
    public static let lengthOutOfBounds = Code(name: "length_out_of_bounds")
    /// A string field is not valid UTF-8.
    public static let invalidUTF8 = Code(name: "invalid_utf8")
    /// A known field arrived with a wire type its declaration does not allow.
    public static let wrongWireType = Code(name: "wrong_wire_type")
    /// A tag carried wire type 3, 4, 6 or 7, which Hookwire never uses.
    public static let invalidWireType = Code(name: "invalid_wire_type")
    /// A tag carried field number 0 or a number above 2^29-1.
    public static let invalidFieldNumber = Code(name: "invalid_field_number")
    /// Nested messages went deeper than the decoder's limit.
    public static let depthExceeded = Code(name: "depth_exceeded")
    /// A message is larger than the limit in force.
    public static let messageTooLarge = Code(name: "message_too_large")
    /// A frame's length exceeds the receiver's maximum frame size.
    public static let frameTooLarge = Code(name: "frame_too_large")
    /// A frame breaks a rule of `Schema/PROTOCOL.md` (wrong call id, wrong size…).
    public static let malformedFrame = Code(name: "malformed_frame")
    /// A WINDOW_UPDATE breaks flow control: an increment of 0, or one that
    /// takes a window past 2^31-1.
    public static let flowControl = Code(name: "flow_control")
    /// The connection preface has the wrong magic bytes.
    public static let badPreface = Code(name: "bad_preface")
    /// The peer speaks a protocol version this side does not.
    public static let unsupportedVersion = Code(name: "unsupported_version")
    /// A metadata key or value breaks the metadata rules.
    public static let invalidMetadata = Code(name: "invalid_metadata")

    public var description: String { name }
  }

  /// What went wrong.
  public var code: Code
  /// Byte offset of the failure in the decoded buffer; -1 when not about input bytes.
  public var offset: Int
  /// A human-readable detail, safe to show to the peer.
  public var detail: String

  /// Creates an error with a code, the offset it concerns and a detail.
  public init(_ code: Code, at offset: Int, _ detail: String) {
    self.code = code
    self.offset = offset
    self.detail = detail
  }

  public var description: String {
    offset >= 0 ? "\(code) at byte \(offset): \(detail)" : "\(code): \(detail)"
  }
}
