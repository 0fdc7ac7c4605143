/// A checked schema: every file of one package, with types resolved.
public struct Schema: Sendable, Equatable {
  /// The package every file declares, e.g. `hookwire.v1`.
  public var package: String
  /// Messages in declaration order across files.
  public var messages: [MessageDecl]
  /// Enums in declaration order across files.
  public var enums: [EnumDecl]
  /// Services in declaration order across files.
  public var services: [ServiceDecl]
  /// Each file's own documentation (its `///` lines before `package`), by path.
  public var fileDocs: [String: [String]] = [:]

  /// Parses and checks schema files given as (path, text) pairs.
  public static func load(_ sources: [(path: String, text: String)]) throws(SchemaError) -> Schema {
    var files: [SchemaFile] = []
    for source in sources { files.append(try SchemaParser.parse(source.text, path: source.path)) }
    return try SchemaChecker.check(files)
  }
}

/// Checks parsed files against the rules of `Schema/README.md`.
enum SchemaChecker {
  static let reservedFieldNames: Set<String> = ["unknown_fields"]

  static func check(_ files: [SchemaFile]) throws(SchemaError) -> Schema {
    guard let first = files.first else {
      throw SchemaError(SourceLocation(file: "<none>", line: 1, column: 1), "no schema files given")
    }
    var schema = Schema(package: first.package, messages: [], enums: [], services: [])
    var typeNames: [String: SourceLocation] = [:]
    for file in files {
      guard file.package == first.package else {
        throw SchemaError(
          SourceLocation(file: file.path, line: 1, column: 1),
          "package '\(file.package)' differs from '\(first.package)' declared in \(first.path)")
      }
      for (name, location) in file.messages.map({ ($0.name, $0.location) }) + file.enums.map({ ($0.name, $0.location) })
        + file.services.map({ ($0.name, $0.location) })
      {
        try checkName(name, pattern: .upperCamel, what: "type", at: location)
        if let earlier = typeNames[name] {
          throw SchemaError(location, "'\(name)' is already declared at \(earlier)")
        }
        typeNames[name] = location
      }
      schema.messages += file.messages
      schema.enums += file.enums
      schema.services += file.services
      if !file.doc.isEmpty { schema.fileDocs[file.path] = file.doc }
    }
    let messageNames = Set(schema.messages.map(\.name))
    let enumNames = Set(schema.enums.map(\.name))
    for index in schema.messages.indices {
      try checkMessage(&schema.messages[index], messages: messageNames, enums: enumNames)
    }
    for decl in schema.enums { try checkEnum(decl) }
    for decl in schema.services { try checkService(decl, messages: messageNames) }
    try checkNoValueCycles(schema.messages)
    return schema
  }

  private static func checkMessage(_ decl: inout MessageDecl, messages: Set<String>, enums: Set<String>) throws(SchemaError) {
    var numbers: [Int: String] = [:]
    var names: Set<String> = []
    for index in decl.fields.indices {
      let field = decl.fields[index]
      try checkName(field.name, pattern: .lowerSnake, what: "field", at: field.location)
      guard !reservedFieldNames.contains(field.name) else {
        throw SchemaError(field.location, "field name '\(field.name)' is reserved by the generator")
      }
      guard names.insert(field.name).inserted else {
        throw SchemaError(field.location, "field '\(field.name)' is declared twice in '\(decl.name)'")
      }
      guard (1...FieldNumbers.max).contains(field.number) else {
        throw SchemaError(field.location, "field number \(field.number) is outside 1…\(FieldNumbers.max)")
      }
      if let other = numbers[field.number] {
        throw SchemaError(field.location, "field number \(field.number) is already used by '\(other)' in '\(decl.name)'")
      }
      numbers[field.number] = field.name
      for reservation in decl.reserved {
        switch reservation {
        case .numbers(let range) where range.contains(field.number):
          throw SchemaError(field.location, "field number \(field.number) is reserved in '\(decl.name)'")
        case .name(let name) where name == field.name:
          throw SchemaError(field.location, "field name '\(field.name)' is reserved in '\(decl.name)'")
        default: break
        }
      }
      if case .named(let typeName) = field.type {
        if messages.contains(typeName) {
          guard field.label != .optional else {
            throw SchemaError(field.location, "message fields always have presence; drop 'optional'")
          }
          decl.fields[index].type = .message(typeName)
        } else if enums.contains(typeName) {
          decl.fields[index].type = .enumeration(typeName)
        } else {
          throw SchemaError(field.location, "unknown type '\(typeName)'")
        }
      }
    }
  }

  private static func checkEnum(_ decl: EnumDecl) throws(SchemaError) {
    guard let first = decl.values.first else { throw SchemaError(decl.location, "enum '\(decl.name)' has no values") }
    guard first.number == 0 else {
      throw SchemaError(first.location, "the first value of enum '\(decl.name)' must be 0 (the default)")
    }
    var numbers: Set<Int> = []
    var names: Set<String> = []
    for value in decl.values {
      try checkName(value.name, pattern: .upperSnake, what: "enum value", at: value.location)
      guard Int(Int32.min)...Int(Int32.max) ~= value.number else {
        throw SchemaError(value.location, "enum value \(value.number) does not fit in 32 bits")
      }
      guard numbers.insert(value.number).inserted else {
        throw SchemaError(value.location, "enum value number \(value.number) is used twice in '\(decl.name)'")
      }
      guard names.insert(value.name).inserted else {
        throw SchemaError(value.location, "enum value '\(value.name)' is declared twice in '\(decl.name)'")
      }
      for case .numbers(let range) in decl.reserved where range.contains(value.number) {
        throw SchemaError(value.location, "enum value number \(value.number) is reserved in '\(decl.name)'")
      }
    }
  }

  private static func checkService(_ decl: ServiceDecl, messages: Set<String>) throws(SchemaError) {
    var names: Set<String> = []
    for method in decl.methods {
      try checkName(method.name, pattern: .upperCamel, what: "method", at: method.location)
      guard names.insert(method.name).inserted else {
        throw SchemaError(method.location, "method '\(method.name)' is declared twice in '\(decl.name)'")
      }
      for type in [method.input, method.output] where !messages.contains(type) {
        throw SchemaError(method.location, "'\(type)' is not a message declared in the schema")
      }
    }
  }

  /// Refuses a message that holds itself through singular message fields:
  /// a Swift value type cannot contain itself.
  private static func checkNoValueCycles(_ messages: [MessageDecl]) throws(SchemaError) {
    var edges: [String: [(String, FieldDecl)]] = [:]
    for message in messages {
      for field in message.fields where field.label != .repeated {
        if case .message(let target) = field.type { edges[message.name, default: []].append((target, field)) }
      }
    }
    for message in messages {
      var stack = [message.name]
      var seen: Set<String> = []
      while let name = stack.popLast() {
        for (target, field) in edges[name] ?? [] {
          if target == message.name {
            throw SchemaError(field.location, "'\(message.name)' contains itself through singular fields; use 'repeated'")
          }
          if seen.insert(target).inserted { stack.append(target) }
        }
      }
    }
  }

  enum NamePattern { case upperCamel, lowerSnake, upperSnake }

  private static func checkName(_ name: String, pattern: NamePattern, what: String, at location: SourceLocation) throws(SchemaError) {
    let scalars = Array(name.unicodeScalars)
    let ok: Bool
    switch pattern {
    case .upperCamel:
      ok = ("A"..."Z").contains(scalars[0]) && scalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    case .lowerSnake:
      ok = ("a"..."z").contains(scalars[0]) && scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    case .upperSnake:
      ok = ("A"..."Z").contains(scalars[0]) && scalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
    guard ok else {
      let style = switch pattern {
      case .upperCamel: "UpperCamelCase"
      case .lowerSnake: "lower_snake_case"
      case .upperSnake: "UPPER_SNAKE_CASE"
      }
      throw SchemaError(location, "\(what) name '\(name)' must be \(style)")
    }
  }
}

/// The field-number range of the wire format.
enum FieldNumbers {
  static let max = (1 << 29) - 1
}
