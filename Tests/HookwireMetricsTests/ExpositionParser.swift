/// A strict reader of Prometheus's text exposition format 0.0.4, written
/// from the format's description to check what Hookwire serves: every
/// line must parse, `# HELP` and `# TYPE` come at most once per family and
/// before its samples, a family's samples are contiguous, no series repeats,
/// label values and help use only the escapes the format defines, and a
/// histogram's buckets ascend to `+Inf`, are cumulative, and agree with its
/// `_count`, with a `_sum` beside them.
struct ExpositionParser {
  /// One family as read.
  struct Family: Equatable {
    var name: String
    var help: String?
    var type: String
    var samples: [Sample]
    /// Whether a TYPE line named the type.
    var typeGiven = false
  }

  /// One sample line as read.
  struct Sample: Equatable {
    var name: String
    var labels: [(String, String)]
    var value: Double
    var timestamp: Int64?

    static func == (a: Sample, b: Sample) -> Bool {
      a.name == b.name && a.labels.elementsEqual(b.labels) { $0 == $1 } && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
        && a.timestamp == b.timestamp
    }

    /// The value of label `name`, if present.
    func label(_ name: String) -> String? { labels.first { $0.0 == name }?.1 }
  }

  /// Why a text is refused, with its line number (1-based).
  struct Failure: Error, CustomStringConvertible, Equatable {
    var line: Int
    var reason: String
    var description: String { "line \(line): \(reason)" }
  }

  /// Reads `text` into families in order.
  static func parse(_ text: String) throws(Failure) -> [Family] {
    var families: [Family] = []
    var closed = Set<String>()
    var seen = Set<String>()
    guard text.isEmpty || text.hasSuffix("\n") else { throw Failure(line: 0, reason: "the last line does not end in a line feed") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    for (offset, raw) in lines.enumerated() {
      let number = offset + 1
      func fail(_ reason: String) -> Failure { Failure(line: number, reason: reason) }
      let line = Substring(raw)
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      if line.hasPrefix("#") {
        var rest = line.dropFirst()
        guard rest.first == " " || rest.first == "\t" else { continue }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        let keyword = rest.prefix { $0 != " " && $0 != "\t" }
        guard keyword == "HELP" || keyword == "TYPE" else { continue }
        rest = rest.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" }
        let name = String(rest.prefix { $0 != " " && $0 != "\t" })
        guard isMetricName(name) else { throw fail("'\(name)' is not a metric name") }
        rest = rest.dropFirst(name.count)
        if !rest.isEmpty {
          guard rest.first == " " || rest.first == "\t" else { throw fail("no space after the name") }
          rest = rest.dropFirst()
        }
        guard !closed.contains(name) else { throw fail("\(keyword) for \(name) after its samples ended") }
        var index = families.lastIndex { $0.name == name }
        if let found = index, found != families.count - 1 || !families[found].samples.isEmpty {
          if keyword == "TYPE" || families[found].help != nil { throw fail("\(keyword) for \(name) comes too late") }
        }
        if index == nil {
          if let last = families.last { closed.insert(last.name) }
          families.append(Family(name: name, help: nil, type: "untyped", samples: []))
          index = families.count - 1
        }
        guard let index else { continue }
        if keyword == "HELP" {
          guard families[index].help == nil else { throw fail("a second HELP for \(name)") }
          families[index].help = try unescape(rest, quotes: false, line: number)
        } else {
          let type = rest.trimmingSuffix(" ")
          guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(type) else { throw fail("unknown type '\(type)'") }
          guard families[index].samples.isEmpty, !families[index].typeGiven else { throw fail("a second or late TYPE for \(name)") }
          families[index].type = String(type)
          families[index].typeGiven = true
        }
        continue
      }
      let sample = try parseSample(line, line: number)
      let key = sample.name + "{" + sample.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
      guard seen.insert(key).inserted else { throw fail("the series \(key) appears twice") }
      if let last = families.indices.last, belongs(sample.name, to: families[last]) {
        families[last].samples.append(sample)
        continue
      }
      guard !closed.contains(sample.name), !families.contains(where: { belongs(sample.name, to: $0) }) else {
        throw fail("a sample of \(sample.name) after its family's samples ended")
      }
      if let last = families.last { closed.insert(last.name) }
      families.append(Family(name: sample.name, help: nil, type: "untyped", samples: [sample]))
    }
    for family in families { try check(family) }
    return families
  }

  /// Whether sample `name` belongs to `family` (a histogram's and a
  /// summary's `_bucket`, `_sum` and `_count` do).
  static func belongs(_ name: String, to family: Family) -> Bool {
    if name == family.name { return family.type != "histogram" }
    switch family.type {
    case "histogram": return [family.name + "_bucket", family.name + "_sum", family.name + "_count"].contains(name)
    case "summary": return [family.name + "_sum", family.name + "_count"].contains(name)
    default: return false
    }
  }

  /// The whole-family rules: histograms' buckets, counters' values.
  static func check(_ family: Family) throws(Failure) {
    func fail(_ reason: String) -> Failure { Failure(line: 0, reason: "\(family.name): \(reason)") }
    switch family.type {
    case "counter":
      for sample in family.samples where sample.value < 0 || sample.value.isNaN { throw fail("a counter at \(sample.value)") }
    case "histogram":
      var series: [String: (bounds: [Double], counts: [Double], sum: Bool, count: Double?)] = [:]
      var order: [String] = []
      for sample in family.samples {
        let key = sample.labels.filter { $0.0 != "le" }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        if series[key] == nil {
          series[key] = ([], [], false, nil)
          order.append(key)
        }
        switch sample.name {
        case family.name + "_bucket":
          guard let le = sample.label("le"), let bound = le == "+Inf" ? Double.infinity : Double(le) else { throw fail("a bucket without a number in le") }
          if let last = series[key]?.bounds.last, bound <= last { throw fail("bucket bounds do not ascend at le=\(le)") }
          if let last = series[key]?.counts.last, sample.value < last { throw fail("buckets are not cumulative at le=\(le)") }
          series[key]?.bounds.append(bound)
          series[key]?.counts.append(sample.value)
        case family.name + "_sum":
          guard sample.label("le") == nil else { throw fail("le on _sum") }
          series[key]?.sum = true
        default:
          guard sample.label("le") == nil else { throw fail("le on _count") }
          series[key]?.count = sample.value
        }
      }
      for key in order {
        guard let entry = series[key] else { continue }
        guard entry.bounds.last == .infinity else { throw fail("series {\(key)} has no +Inf bucket") }
        guard entry.sum else { throw fail("series {\(key)} has no _sum") }
        guard let count = entry.count, count == entry.counts.last else { throw fail("series {\(key)}: _count is not the +Inf bucket") }
      }
    default:
      break
    }
  }

  /// `name{label="value",…} value [timestamp]`.
  static func parseSample(_ line: Substring, line number: Int) throws(Failure) -> Sample {
    func fail(_ reason: String) -> Failure { Failure(line: number, reason: reason) }
    var rest = line[...]
    let name = String(rest.prefix { $0 != "{" && $0 != " " && $0 != "\t" })
    guard isMetricName(name) else { throw fail("'\(name)' is not a metric name") }
    rest = rest.dropFirst(name.count)
    var labels: [(String, String)] = []
    if rest.first == "{" {
      rest = rest.dropFirst()
      while true {
        rest = rest.drop { $0 == " " }
        if rest.first == "}" {
          rest = rest.dropFirst()
          break
        }
        let label = String(rest.prefix { $0 != "=" && $0 != " " })
        guard isLabelName(label) else { throw fail("'\(label)' is not a label name") }
        guard !labels.contains(where: { $0.0 == label }) else { throw fail("label \(label) appears twice") }
        rest = rest.dropFirst(label.count).drop { $0 == " " }
        guard rest.first == "=" else { throw fail("no = after label \(label)") }
        rest = rest.dropFirst().drop { $0 == " " }
        guard rest.first == "\"" else { throw fail("label \(label)'s value is not quoted") }
        rest = rest.dropFirst()
        var value: [Character] = []
        var escaped = false
        var ended = false
        while let character = rest.first {
          rest = rest.dropFirst()
          if escaped {
            value.append(contentsOf: "\\")
            value.append(character)
            escaped = false
          } else if character == "\\" {
            escaped = true
          } else if character == "\"" {
            ended = true
            break
          } else {
            value.append(character)
          }
        }
        guard ended else { throw fail("label \(label)'s value has no closing quote") }
        labels.append((label, try unescape(Substring(String(value)), quotes: true, line: number)))
        rest = rest.drop { $0 == " " }
        if rest.first == "," {
          rest = rest.dropFirst()
        } else {
          guard rest.first == "}" else { throw fail("no , or } after label \(label)") }
        }
      }
    }
    guard rest.first == " " || rest.first == "\t" else { throw fail("no space before the value") }
    let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard (1...2).contains(fields.count) else { throw fail("not a value and an optional timestamp: '\(rest)'") }
    guard let value = parseNumber(fields[0]) else { throw fail("'\(fields[0])' is not a number") }
    var timestamp: Int64?
    if fields.count == 2 {
      guard let stamp = Int64(fields[1]) else { throw fail("'\(fields[1])' is not a timestamp") }
      timestamp = stamp
    }
    return Sample(name: name, labels: labels, value: value, timestamp: timestamp)
  }

  /// A value as Go's ParseFloat takes it, with the format's `+Inf`, `-Inf`, `NaN`.
  static func parseNumber(_ text: Substring) -> Double? {
    switch text {
    case "+Inf", "Inf": return .infinity
    case "-Inf": return -.infinity
    case "NaN": return .nan
    default:
      guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
      return Double(text)
    }
  }

  /// Undoes `\\`, `\n` and (in label values) `\"`; any other escape is refused.
  static func unescape(_ text: Substring, quotes: Bool, line: Int) throws(Failure) -> String {
    var out = ""
    var escaped = false
    for character in text {
      if escaped {
        switch character {
        case "\\": out.append("\\")
        case "n": out.append("\n")
        case "\"" where quotes: out.append("\"")
        default: throw Failure(line: line, reason: "the escape \\\(character) is not defined")
        }
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else {
        out.append(character)
      }
    }
    guard !escaped else { throw Failure(line: line, reason: "a lone backslash at the end") }
    return out
  }

  static func isMetricName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII, isNameStart(first) || first == ":" else { return false }
    return name.unicodeScalars.allSatisfy { $0.isASCII && (isNameStart($0) || $0 == ":" || ("0"..."9").contains($0)) }
  }

  static func isLabelName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII, isNameStart(first) else { return false }
    return name.unicodeScalars.allSatisfy { $0.isASCII && (isNameStart($0) || ("0"..."9").contains($0)) }
  }

  private static func isNameStart(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
}

extension Substring {
  func trimmingSuffix(_ character: Character) -> Substring {
    var s = self
    while s.last == character { s.removeLast() }
    return s
  }
}
