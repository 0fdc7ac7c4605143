/// The raw bytes of fields a decoder did not recognise, kept for re-encoding.
///
/// A message decoded by an older schema keeps the newer fields it does not
/// know here, tag and value as they arrived, and writes them back unchanged
/// after its own fields when it is encoded again.
public struct UnknownFields: Equatable, Sendable {
  /// The unknown fields, each as tag + value bytes, in arrival order.
  public var bytes: [UInt8]

  /// Creates an empty set of unknown fields; it allocates nothing.
  @inlinable
  public init() { bytes = [] }

  /// Whether no unknown field was kept.
  @inlinable
  public var isEmpty: Bool { bytes.isEmpty }
}
