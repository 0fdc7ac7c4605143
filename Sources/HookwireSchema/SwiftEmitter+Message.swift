/// How one scalar or enum element is written, read and tested for default.
struct ElementCodec {
  var swiftType: String
  var wireType: Int
  var defaultValue: String
  /// Expression writing `v` (the writer is `writer`).
  var write: (String) -> String
  /// Expression reading one element from `reader`.
  var read: String
  /// Expression testing `v` for non-default.
  var isSet: (String) -> String
  /// For packable types: the packed reader call and the conversion of `$0`.
  var packed: (reader: String, convert: String)?
  /// Expression giving the encoded size of `v` without its tag.
  var size: (String) -> String = { _ in "0" }
}

extension SwiftEmitter {
  func codec(for type: FieldType) -> ElementCodec {
    switch type {
    case .enumeration(let name):
      return ElementCodec(
        swiftType: name, wireType: 0, defaultValue: "\(name)()",
        write: { "writer.writeVarint(UInt64(bitPattern: Int64(\($0).rawValue)))" },
        read: "\(name)(rawValue: try reader.readInt32())", isSet: { "\($0).rawValue != 0" },
        packed: ("readPackedVarints", "\(name)(rawValue: Int32(truncatingIfNeeded: $0))"),
        size: { "WireSize.varint(UInt64(bitPattern: Int64(\($0).rawValue)))" })
    case .message(let name), .named(let name):
      return ElementCodec(
        swiftType: name, wireType: 2, defaultValue: "\(name)()", write: { _ in "" },
        read: "try reader.readMessage(\(name).self)", isSet: { _ in "true" }, packed: nil,
        size: { "WireSize.lengthDelimited(\($0).encodedSize)" })
    case .scalar(let scalar):
      return scalarCodec(scalar)
    }
  }

  private func scalarCodec(_ scalar: ScalarType) -> ElementCodec {
    func varint(_ type: String, _ write: @escaping (String) -> String, _ read: String, _ convert: String) -> ElementCodec {
      // The size expression mirrors the write expression's argument.
      let size: (String) -> String = { value in
        let written = write(value)
        let argument = written.dropFirst("writer.writeVarint(".count).dropLast()
        return "WireSize.varint(\(argument))"
      }
      return ElementCodec(
        swiftType: type, wireType: 0, defaultValue: "0", write: write, read: read, isSet: { "\($0) != 0" },
        packed: ("readPackedVarints", convert), size: size)
    }
    func fixed(_ type: String, _ width: Int, _ write: @escaping (String) -> String, _ read: String, _ convert: String, float: Bool = false) -> ElementCodec {
      ElementCodec(
        swiftType: type, wireType: width == 32 ? 5 : 1, defaultValue: "0", write: write, read: read,
        isSet: { float ? "\($0).bitPattern != 0" : "\($0) != 0" }, packed: ("readPackedFixed\(width)", convert),
        size: { _ in "\(width / 8)" })
    }
    switch scalar {
    case .bool:
      return ElementCodec(
        swiftType: "Bool", wireType: 0, defaultValue: "false", write: { "writer.writeByte(\($0) ? 1 : 0)" },
        read: "try reader.readBool()", isSet: { $0 }, packed: ("readPackedVarints", "$0 != 0"), size: { _ in "1" })
    case .int32:
      return varint("Int32", { "writer.writeVarint(UInt64(bitPattern: Int64(\($0))))" }, "try reader.readInt32()", "Int32(truncatingIfNeeded: $0)")
    case .int64:
      return varint("Int64", { "writer.writeVarint(UInt64(bitPattern: \($0)))" }, "try reader.readInt64()", "Int64(bitPattern: $0)")
    case .uint32:
      return varint("UInt32", { "writer.writeVarint(UInt64(\($0)))" }, "try reader.readUInt32()", "UInt32(truncatingIfNeeded: $0)")
    case .uint64:
      return varint("UInt64", { "writer.writeVarint(\($0))" }, "try reader.readUInt64()", "$0")
    case .sint32:
      return varint("Int32", { "writer.writeVarint(UInt64(ZigZag.encode(\($0))))" }, "try reader.readSInt32()", "ZigZag.decode(UInt32(truncatingIfNeeded: $0))")
    case .sint64:
      return varint("Int64", { "writer.writeVarint(ZigZag.encode(\($0)))" }, "try reader.readSInt64()", "ZigZag.decode($0)")
    case .fixed32:
      return fixed("UInt32", 32, { "writer.writeFixed32(\($0))" }, "try reader.readFixed32()", "$0")
    case .sfixed32:
      return fixed("Int32", 32, { "writer.writeFixed32(UInt32(bitPattern: \($0)))" }, "Int32(bitPattern: try reader.readFixed32())", "Int32(bitPattern: $0)")
    case .float:
      return fixed("Float", 32, { "writer.writeFixed32(\($0).bitPattern)" }, "try reader.readFloat()", "Float(bitPattern: $0)", float: true)
    case .fixed64:
      return fixed("UInt64", 64, { "writer.writeFixed64(\($0))" }, "try reader.readFixed64()", "$0")
    case .sfixed64:
      return fixed("Int64", 64, { "writer.writeFixed64(UInt64(bitPattern: \($0)))" }, "Int64(bitPattern: try reader.readFixed64())", "Int64(bitPattern: $0)")
    case .double:
      return fixed("Double", 64, { "writer.writeFixed64(\($0).bitPattern)" }, "try reader.readDouble()", "Double(bitPattern: $0)", float: true)
    case .string:
      return ElementCodec(
        swiftType: "String", wireType: 2, defaultValue: "\"\"", write: { "writer.writeLengthPrefixed(\($0))" },
        read: "try reader.readString()", isSet: { "!\($0).isEmpty" }, packed: nil,
        size: { "WireSize.lengthDelimited(\($0).utf8.count)" })
    case .bytes:
      return ElementCodec(
        swiftType: "[UInt8]", wireType: 2, defaultValue: "[]", write: { "writer.writeLengthPrefixed(\($0))" },
        read: "try reader.readBytes()", isSet: { "!\($0).isEmpty" }, packed: nil,
        size: { "WireSize.lengthDelimited(\($0).count)" })
    }
  }

  func isMessage(_ type: FieldType) -> Bool {
    if case .message = type { return true }
    return false
  }

  /// The Swift type and default of a field as declared.
  func storage(_ field: FieldDecl) -> (type: String, initial: String) {
    let element = codec(for: field.type)
    switch field.label {
    case .repeated: return ("[\(element.swiftType)]", "[]")
    case .optional: return ("\(element.swiftType)?", "nil")
    case .singular: return isMessage(field.type) ? ("\(element.swiftType)?", "nil") : (element.swiftType, element.defaultValue)
    }
  }

  func writeTag(_ field: Int, _ wireType: Int) -> String {
    let tag = field << 3 | wireType
    return tag < 0x80 ? "writer.writeByte(\(tag))" : "writer.writeVarint(\(tag))"
  }

  // MARK: - Message

  func emitMessage(_ decl: MessageDecl, _ w: inout CodeWriter) {
    w.doc(decl.doc.isEmpty ? ["The `\(decl.name)` message of the schema."] : decl.doc)
    w.block("public struct \(decl.name): WireMessage") { w in
      for field in decl.fields {
        var doc = field.doc.isEmpty ? ["Field `\(field.name)`."] : field.doc
        doc.append("")
        doc.append("Field \(field.number)\(field.deprecated ? "; deprecated" : "").")
        w.doc(doc)
        let (type, initial) = storage(field)
        w.line("public var \(SwiftNames.lowerCamel(snake: field.name)): \(type) = \(initial)")
      }
      w.line("/// Fields that arrived but are not in this build's schema; written back on encode.")
      w.line("public var unknownFields = UnknownFields()")
      w.line()
      w.line("/// A message with every field at its default.")
      w.line("@inlinable")
      w.line("public init() {}")
      if !decl.fields.isEmpty {
        w.line()
        w.line("/// A message with the given fields; the others keep their defaults.")
        w.line("@inlinable")
        let params = decl.fields.map { f -> String in
          let (type, initial) = storage(f)
          return "\(SwiftNames.lowerCamel(snake: f.name)): \(type) = \(initial)"
        }
        w.line("public init(")
        for (i, p) in params.enumerated() { w.line("  \(p)\(i == params.count - 1 ? "" : ",")") }
        w.block(")") { w in
          for f in decl.fields {
            let name = SwiftNames.lowerCamel(snake: f.name)
            w.line("self.\(name.replacingBackticks) = \(name)")
          }
        }
      }
      w.line()
      emitSize(decl, &w)
      w.line()
      emitEncode(decl, &w)
      w.line()
      emitMerge(decl, &w)
    }
  }

  private func emitEncode(_ decl: MessageDecl, _ w: inout CodeWriter) {
    w.line("/// Writes every non-default field in field-number order, then the unknown fields.")
    w.line("@inlinable")
    w.block("public func encode(to writer: inout WireWriter)") { w in
      for field in decl.fields.sorted(by: { $0.number < $1.number }) {
        let name = "self." + SwiftNames.lowerCamel(snake: field.name).replacingBackticks
        let element = codec(for: field.type)
        if isMessage(field.type) {
          let body: (inout CodeWriter, String) -> Void = { w, value in
            w.line(writeTag(field.number, 2))
            w.line("let start = writer.beginLengthDelimited()")
            w.line("\(value).encode(to: &writer)")
            w.line("writer.endLengthDelimited(start)")
          }
          if field.label == .repeated {
            w.indented("\(name).withUnsafeBufferPointer { values in") { w in
              w.block("for index in values.indices") { body(&$0, "values[index]") }
            }
            w.line("}")
          } else {
            w.block("if let value = \(name)") { body(&$0, "value") }
          }
          continue
        }
        switch field.label {
        case .singular:
          w.block("if \(element.isSet(name))") { w in
            w.line(writeTag(field.number, element.wireType))
            w.line(element.write(name))
          }
        case .optional:
          w.block("if let value = \(name)") { w in
            w.line(writeTag(field.number, element.wireType))
            w.line(element.write("value"))
          }
        case .repeated where element.packed != nil:
          w.block("if !\(name).isEmpty") { w in
            w.line(writeTag(field.number, 2))
            w.line("let start = writer.beginLengthDelimited()")
            w.line("for value in \(name) { \(element.write("value")) }")
            w.line("writer.endLengthDelimited(start)")
          }
        case .repeated:
          w.indented("\(name).withUnsafeBufferPointer { values in") { w in
            w.block("for index in values.indices") { w in
              w.line(writeTag(field.number, element.wireType))
              w.line(element.write("values[index]"))
            }
          }
          w.line("}")
        }
      }
      w.line("if !unknownFields.isEmpty { writer.writeRaw(unknownFields.bytes) }")
    }
  }

  private func tagSize(_ field: Int) -> Int {
    var size = 1
    var tag = (field << 3) >> 7
    while tag > 0 { size += 1; tag >>= 7 }
    return size
  }

  private func emitSize(_ decl: MessageDecl, _ w: inout CodeWriter) {
    w.line("/// The exact number of bytes `encode(to:)` writes.")
    w.line("@inlinable")
    w.block("public var encodedSize: Int") { w in
      if decl.fields.isEmpty {
        w.line("unknownFields.bytes.count")
        return
      }
      w.line("var size = unknownFields.bytes.count")
      for field in decl.fields.sorted(by: { $0.number < $1.number }) {
        let name = "self." + SwiftNames.lowerCamel(snake: field.name).replacingBackticks
        let element = codec(for: field.type)
        let tag = tagSize(field.number)
        if isMessage(field.type) {
          if field.label == .repeated {
            w.line("for value in \(name) { size &+= \(tag) &+ \(element.size("value")) }")
          } else {
            w.line("if let value = \(name) { size &+= \(tag) &+ \(element.size("value")) }")
          }
          continue
        }
        switch field.label {
        case .singular:
          w.line("if \(element.isSet(name)) { size &+= \(tag) &+ \(element.size(name)) }")
        case .optional where !element.size("value").contains("value"):
          w.line("if \(name) != nil { size &+= \(tag) &+ \(element.size("value")) }")
        case .optional:
          w.line("if let value = \(name) { size &+= \(tag) &+ \(element.size("value")) }")
        case .repeated where element.packed != nil && !element.size("value").contains("value"):
          w.block("if !\(name).isEmpty") { w in
            w.line("size &+= \(tag) &+ WireSize.lengthDelimited(\(name).count &* \(element.size("value")))")
          }
        case .repeated where element.packed != nil:
          w.block("if !\(name).isEmpty") { w in
            w.line("var body = 0")
            w.line("for value in \(name) { body &+= \(element.size("value")) }")
            w.line("size &+= \(tag) &+ WireSize.lengthDelimited(body)")
          }
        case .repeated:
          w.line("for value in \(name) { size &+= \(tag) &+ \(element.size("value")) }")
        }
      }
      w.line("return size")
    }
  }

  private func emitMerge(_ decl: MessageDecl, _ w: inout CodeWriter) {
    w.line("/// Reads fields until the reader is exhausted; unknown fields are kept.")
    w.line("@inlinable")
    w.block("public mutating func merge(from reader: inout WireReader) throws(WireError)") { w in
      w.block("while let tag = try reader.nextTag()") { w in
        w.block("switch tag") { w in
          var wrongTypeCases: [(Int, Int)] = []
          for field in decl.fields {
            let name = "self." + SwiftNames.lowerCamel(snake: field.name).replacingBackticks
            let element = codec(for: field.type)
            let tag = field.number << 3 | element.wireType
            wrongTypeCases.append((field.number, element.wireType))
            if isMessage(field.type) {
              if field.label == .repeated {
                w.indented("case \(tag):") { w in
                  w.line("if \(name).isEmpty { \(name).reserveCapacity(reader.countOccurrences(of: \(tag))) }")
                  w.line("\(name).append(\(element.read))")
                }
              } else {
                w.indented("case \(tag):") { w in
                  w.line("var value = \(name) ?? \(element.defaultValue)")
                  w.line("try reader.readMessage(into: &value)")
                  w.line("\(name) = value")
                }
              }
              continue
            }
            switch field.label {
            case .singular, .optional:
              w.line("case \(tag): \(name) = \(element.read)")
            case .repeated where element.packed == nil:
              w.indented("case \(tag):") { w in
                w.line("if \(name).isEmpty { \(name).reserveCapacity(reader.countOccurrences(of: \(tag))) }")
                w.line("\(name).append(\(element.read))")
              }
            case .repeated:
              w.line("case \(tag): \(name).append(\(element.read))")
              if let packed = element.packed {
                w.line("case \(field.number << 3 | 2): try reader.\(packed.reader) { \(name).append(\(packed.convert)) }")
              }
            }
          }
          w.line("default:")
          w.line("  switch tag >> 3 {")
          for (number, wireType) in wrongTypeCases {
            let expected = ["0": ".varint", "1": ".fixed64", "2": ".lengthDelimited", "5": ".fixed32"]["\(wireType)"] ?? ".varint"
            w.line("  case \(number): throw reader.wrongWireType(tag, expected: \(expected))")
          }
          w.line("  default: try reader.skipUnknown(tag, into: &unknownFields)")
          w.line("  }")
        }
      }
    }
  }
}

extension String {
  /// `default` for a backticked name: `self.default` needs no backticks.
  var replacingBackticks: String { replacing("`", with: "") }
}
