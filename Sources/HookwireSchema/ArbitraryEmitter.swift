/// Writes test-support Swift that builds random values of every message,
/// for round-trip tests that cover each generated type.
public struct ArbitraryEmitter {
  let schema: Schema
  let options: SwiftEmitter.Options
  let values: SwiftEmitter

  /// Creates an emitter for `schema`.
  public init(schema: Schema, options: SwiftEmitter.Options) {
    self.schema = schema
    self.options = options
    values = SwiftEmitter(schema: schema, options: options)
  }

  /// The Swift source: an `ArbitraryMessage` conformance per message and a
  /// list, named `listName`, of every message type.
  public func emit(listName: String) -> String {
    var w = CodeWriter()
    values.header(&w, source: "every schema file")
    for decl in schema.messages {
      w.line()
      w.block("extension \(decl.name): ArbitraryMessage") { w in
        w.block("public static func arbitrary(using rng: inout SeededGenerator, depth: Int) -> \(decl.name)") { w in
          w.line("\(decl.fields.isEmpty ? "let" : "var") value = \(decl.name)()")
          for field in decl.fields {
            let name = "value." + SwiftNames.lowerCamel(snake: field.name).replacingBackticks
            let element = element(field.type)
            switch field.label {
            case .repeated:
              w.line("\(name) = (0..<rng.count(upTo: depth > 0 ? 4 : 1)).map { _ in \(element) }")
            case .optional:
              w.line("if rng.chance() { \(name) = \(element) }")
            case .singular:
              if values.isMessage(field.type) {
                w.line("if depth > 0 && rng.chance() { \(name) = \(element) }")
              } else {
                w.line("\(name) = \(element)")
              }
            }
          }
          w.line("return value")
        }
      }
    }
    w.line()
    w.line("/// Every message type of the schema, for tests that cover them all.")
    w.line("public let \(listName): [any ArbitraryMessage.Type] = [")
    for decl in schema.messages { w.line("  \(decl.name).self,") }
    w.line("]")
    return w.text
  }

  private func element(_ type: FieldType) -> String {
    switch type {
    case .message(let name), .named(let name):
      return "\(name).arbitrary(using: &rng, depth: depth - 1)"
    case .enumeration(let name):
      return "rng.enumValue(\(name).knownCases, raw: \\.rawValue, make: \(name).init(rawValue:))"
    case .scalar(let scalar):
      switch scalar {
      case .bool: return "rng.bool()"
      case .int32, .sint32, .sfixed32: return "rng.int32()"
      case .int64, .sint64, .sfixed64: return "rng.int64()"
      case .uint32, .fixed32: return "rng.uint32()"
      case .uint64, .fixed64: return "rng.uint64()"
      case .float: return "rng.float()"
      case .double: return "rng.double()"
      case .string: return "rng.string()"
      case .bytes: return "rng.bytes()"
      }
    }
  }
}
