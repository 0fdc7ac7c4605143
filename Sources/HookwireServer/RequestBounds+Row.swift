import HookwireRPC
import HookwireWire

extension RequestBounds {
  /// One method's bounds, its request type erased so rows of every method
  /// sit in one table.
  package struct Row: Sendable {
    /// One bound, erased: tests build requests at and over it.
    package struct Bound: Sendable {
      /// The field as the schema names it (`events[]` for each entry).
      package let field: String
      /// The largest size allowed, in `unit`s.
      package let limit: Int
      /// `bytes` or `entries`.
      package let unit: String
      /// A request whose field is `size` units large, every other field empty.
      package let request: @Sendable (Int) -> any WireMessage
    }

    /// The method.
    package let method: MethodDescriptor
    /// Whether its handler runs off the event loop.
    package let offLoop: Bool
    /// An empty request of the method's type.
    package let emptyRequest: @Sendable () -> any WireMessage
    /// Every bound of the row, nested ones included.
    package let bounds: [Bound]
    /// Why a request breaks the row, or nil when it keeps every bound.
    package let violation: @Sendable (any WireMessage) -> String?
    /// `violation` for the row's own request type, without the cast; nil
    /// when the row has no bounds.
    private let typedViolation: (any Sendable)?

    init<Request: WireMessage>(_ method: MethodDescriptor, offLoop: Bool = false, _ fields: [FieldBound<Request>]) {
      self.method = method
      self.offLoop = offLoop
      emptyRequest = { Request() }
      bounds = fields.flatMap { [$0] + $0.entryBounds }.map { bound in
        Bound(field: bound.field, limit: bound.limit, unit: bound.unit.rawValue) { size in
          var request = Request()
          bound.fill(&request, size)
          return request
        }
      }
      let typed = TypedViolation<Request> { request in
        for field in fields {
          if let violation = field.violation(request) { return violation }
        }
        return nil
      }
      typedViolation = fields.isEmpty ? nil : typed
      violation = { message in
        guard let request = message as? Request else {
          return "the server's bounds for \(method.path) expect a \(Request.self)"
        }
        return typed.violation(request)
      }
    }

    /// The row's check for requests of type `Request`: nil when the row has
    /// no bounds and `Request` is its type. For another type every request
    /// fails, as `violation` says.
    func check<Request: WireMessage>(_ request: Request.Type) -> RequestCheck<Request>? {
      guard let typedViolation else {
        guard Request.self != type(of: emptyRequest()) else { return nil }
        return erasedCheck()
      }
      guard let typed = typedViolation as? TypedViolation<Request> else { return erasedCheck() }
      return { request throws(RPCError) in
        if let violation = typed.violation(request) { throw RPCError(code: .invalidArgument, message: violation) }
      }
    }

    private func erasedCheck<Request: WireMessage>() -> RequestCheck<Request> {
      let violation = self.violation
      return { request throws(RPCError) in
        if let violation = violation(request) { throw RPCError(code: .invalidArgument, message: violation) }
      }
    }
  }

  /// A row's check with its request type kept, so the router can hold it
  /// for the method's type and skip the cast on every call.
  private struct TypedViolation<Request: WireMessage>: Sendable {
    let violation: @Sendable (Request) -> String?
  }
}
