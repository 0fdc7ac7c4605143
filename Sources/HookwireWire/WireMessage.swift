/// A message of Hookwire's schema: a value that encodes to and decodes from
/// the tagged binary format of `Schema/PROTOCOL.md`.
///
/// Generated types conform; decoding merges fields into an existing value
/// (the last value of a scalar wins, nested messages merge), and fields the
/// type does not know are kept in `unknownFields` and written back on encode.
public protocol WireMessage: Sendable, Equatable {
  /// A value with every field at its default.
  init()

  /// Reads fields from `reader` into this value until the reader is exhausted.
  mutating func merge(from reader: inout WireReader) throws(WireError)

  /// Writes every non-default field, then the unknown fields.
  func encode(to writer: inout WireWriter)

  /// Fields that arrived but are not in this type's schema.
  var unknownFields: UnknownFields { get set }
}

extension WireMessage {
  /// Decodes a message from `bytes`, enforcing `limits`.
  @inlinable
  public init(serializedBytes bytes: UnsafeRawBufferPointer, limits: WireLimits = .default) throws(WireError) {
    var reader = try WireReader(bytes, limits: limits)
    self.init()
    try merge(from: &reader)
  }

  /// Decodes a message from `bytes`, enforcing `limits`.
  @inlinable
  public init(serializedBytes bytes: [UInt8], limits: WireLimits = .default) throws(WireError) {
    let result: Result<Self, WireError> = bytes.withUnsafeBytes { raw in
      do throws(WireError) {
        return .success(try Self(serializedBytes: raw, limits: limits))
      } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }

  /// The message's encoding as a new array.
  @inlinable
  public func serializedBytes() -> [UInt8] {
    var writer = WireWriter(capacity: 256)
    encode(to: &writer)
    return writer.bytes()
  }
}
