/// The defaults of `Schema/PROTOCOL.md`, used until a peer's SETTINGS arrive.
public enum ProtocolDefaults {
  /// Largest frame payload (64 KiB); SETTINGS may set 16 KiB to 16 MiB − 1.
  public static let maxFrameSize = 65_536
  /// The smallest `max_frame_size` a peer may announce.
  public static let minFrameSize = 16_384
  /// The largest `max_frame_size` a peer may announce.
  public static let maxFrameSizeLimit = (1 << 24) - 1
  /// Largest message (4 MiB, as gRPC).
  public static let maxMessageSize = 4 << 20
  /// Most concurrent calls per connection.
  public static let maxConcurrentCalls = 100
  /// Per-call DATA credit (1 MiB).
  public static let initialCallWindow = 1 << 20
  /// Largest metadata block (8 KiB, as gRPC's suggested header limit).
  public static let maxMetadataSize = 8_192
}
