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

  /// The exact number of bytes `encode(to:)` writes.
  var encodedSize: Int { get }

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
    self.init()
    var failure: WireError?
    bytes.withUnsafeBytes { raw in
      do throws(WireError) {
        var reader = try WireReader(raw, limits: limits)
        try self.merge(from: &reader)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  /// The message's encoding as a new array, allocated once at its exact size.
  @inlinable
  public func serializedBytes() -> [UInt8] {
    let size = encodedSize
    var bytes = [UInt8](repeating: 0, count: size)
    let exact = bytes.withUnsafeMutableBytes { buffer -> Bool in
      var writer = WireWriter(borrowing: buffer)
      encode(to: &writer)
      return writer.isBorrowing && writer.count == size
    }
    if exact { return bytes }
    // Only reachable if `encodedSize` disagreed with `encode(to:)`.
    var writer = WireWriter(capacity: size)
    encode(to: &writer)
    return writer.bytes()
  }
}
