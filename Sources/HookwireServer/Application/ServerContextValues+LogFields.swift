import HookwireDomain
import HookwirePosix
import HookwireRPC

extension ServerContextValues {
  /// The log fields naming the caller `AuthInterceptor` authenticated: the
  /// partner (or service), the partner acted as, and the key's public prefix
  /// or the certificate's `cert:<identity id>` — never the key. Empty when
  /// the call was not authenticated (a health check, a refused key).
  package var callerLogFields: [LogField] {
    guard let scope = self[CallerScopeKey.self] else { return [] }
    var fields: [LogField] = []
    switch scope.principal {
    case .partner(let partner, _): fields.append(.partnerID(partner.id))
    case .service(let name, _): fields.append(.service(name))
    }
    if let actingAs = scope.actingAs { fields.append(.actingAs(actingAs.id)) }
    switch scope.principal.authentication {
    case .apiKey(let prefix): fields.append(.keyPrefix(prefix))
    case .clientCertificate: fields.append(.credential(scope.principal.authentication.label))
    }
    return fields
  }
}
