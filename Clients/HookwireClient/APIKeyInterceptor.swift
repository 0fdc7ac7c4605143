/// Sends a Hookwire API key with every call (`authorization: Bearer <key>`)
/// and, for a global partner working on another partner's dashboard, the
/// partner it acts as (`hookwire-act-as`), so neither is threaded through
/// each call. A call whose own metadata carries a key is left as it is; one
/// that names only the partner to act as keeps that.
///
/// ```swift
/// let client = try RPCClient(host: "127.0.0.1", port: 7700, interceptors: [APIKeyInterceptor(apiKey: key)])
/// ```
///
/// The key is never part of the interceptor's description.
public struct APIKeyInterceptor: ClientInterceptor, CustomStringConvertible {
  private let authorization: String
  private let keyPrefix: String
  /// The partner every call acts as, if any.
  public let actAs: UInt64?

  /// An interceptor sending `apiKey` (`hwk_…`), acting as `actAs` when given.
  public init(apiKey: String, actAs: UInt64? = nil) {
    authorization = "Bearer \(apiKey)"
    keyPrefix = APIKeyInterceptor.prefix(of: apiKey)
    self.actAs = actAs
  }

  /// Names the key by its prefix only.
  public var description: String {
    "APIKeyInterceptor(key: hwk_\(keyPrefix)_…\(actAs.map { ", actAs: \($0)" } ?? ""))"
  }

  /// Adds the key (and the partner acted as) unless the call set its own.
  public func intercept<Result: Sendable>(
    _ context: ClientCallContext, next: @Sendable (ClientCallContext) async throws -> Result
  ) async throws -> Result {
    // A call that brings its own key is someone else's: it acts as nobody unless it says so.
    guard context.metadata.count(of: Metadata.authorizationKey) == 0 else { return try await next(context) }
    var context = context
    context.metadata.add(Metadata.authorizationKey, authorization)
    if let actAs, context.metadata.count(of: Metadata.actAsKey) == 0 {
      context.metadata.add(Metadata.actAsKey, String(actAs))
    }
    return try await next(context)
  }

  /// The public prefix of a `hwk_<prefix>_<secret>` key; empty for anything else.
  private static func prefix(of key: String) -> String {
    let parts = key.split(separator: "_", omittingEmptySubsequences: false)
    return parts.count == 3 && parts[0] == "hwk" ? String(parts[1]) : ""
  }
}

extension Metadata {
  /// Metadata carrying a Hookwire API key, `authorization: Bearer <key>`,
  /// and the partner acted as when given; for
  /// `RPCClient.Configuration.defaultMetadata` or one call's metadata.
  public static func apiKey(_ key: String, actAs: UInt64? = nil) -> Metadata {
    var metadata = Metadata()
    metadata.add(authorizationKey, "Bearer \(key)")
    if let actAs { metadata.add(actAsKey, String(actAs)) }
    return metadata
  }
}
