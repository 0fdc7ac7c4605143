/// One header field as it arrived: the name keeps its case, the value has no
/// surrounding whitespace.
package struct HTTPHeaderField: Sendable, Equatable {
  /// The field name, as sent.
  package var name: String
  /// The field value, leading and trailing whitespace removed.
  package var value: String

  /// Creates a field.
  package init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}

/// Header fields in the order they arrived; names compare case-insensitively.
///
/// Nothing is merged or dropped: a field sent twice appears twice, and
/// `Retry-After`, `Location` and the rest are plain fields for the caller.
package struct HTTPHeaders: Sendable, Equatable, RandomAccessCollection {
  /// The fields, in arrival order.
  package private(set) var fields: [HTTPHeaderField]

  /// Creates a list from fields in order.
  package init(_ fields: [HTTPHeaderField] = []) {
    self.fields = fields
  }

  /// Creates a list from `(name, value)` pairs in order.
  package init(pairs: [(String, String)]) {
    self.fields = pairs.map { HTTPHeaderField(name: $0.0, value: $0.1) }
  }

  /// The position of the first field.
  package var startIndex: Int { fields.startIndex }
  /// The position past the last field.
  package var endIndex: Int { fields.endIndex }
  /// The field at `position`.
  package subscript(position: Int) -> HTTPHeaderField { fields[position] }

  /// Appends a field at the end.
  package mutating func append(_ field: HTTPHeaderField) {
    fields.append(field)
  }

  /// The value of the first field named `name` (any case), or nil.
  package func first(_ name: String) -> String? {
    fields.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }?.value
  }

  /// The values of every field named `name` (any case), in order.
  package func values(_ name: String) -> [String] {
    fields.filter { HTTPSyntax.equalsIgnoringCase($0.name, name) }.map(\.value)
  }

  /// Whether a list-valued field (`connection`, `transfer-encoding`…) holds
  /// `token` as one of its comma-separated elements, ignoring case.
  package func containsToken(_ token: String, in name: String) -> Bool {
    values(name).contains { value in
      HTTPSyntax.listElements(value).contains { HTTPSyntax.equalsIgnoringCase(String($0), token) }
    }
  }
}
