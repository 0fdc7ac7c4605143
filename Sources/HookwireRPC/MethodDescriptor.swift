/// Names a method of a service and says how it streams.
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
  /// How many messages flow each way.
  public enum Kind: Hashable, Sendable {
    /// One request, one response.
    case unary
    /// One request, a stream of responses.
    case serverStreaming
  }

  /// The fully qualified service name, such as `hookwire.v1.Webhooks`.
  public let service: String
  /// The method name, such as `CreateWebhook`.
  public let method: String
  /// How the method streams.
  public let kind: Kind
  /// The path carried in OPEN frames: `/service/method`.
  public let path: String

  /// Creates a descriptor.
  public init(service: String, method: String, kind: Kind) {
    self.service = service
    self.method = method
    self.kind = kind
    path = "/\(service)/\(method)"
  }

  public var description: String { path }
}
