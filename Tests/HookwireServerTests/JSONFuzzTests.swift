import Foundation
import HookwireDomain
import HookwireTestSupport
import Testing

/// The payload validator against generated and mutated documents, with a
/// fixed seed: it never traps, accepts everything a JSON generator writes,
/// rejects constructions known to be invalid, and accepts nothing that
/// Foundation's (lenient) parser rejects.
@Suite("JSON validator fuzz")
struct JSONFuzzTests {
  /// Writes random RFC 8259 texts: every production, random whitespace,
  /// every escape, multi-byte UTF-8 and surrogate pairs.
  struct Generator {
    var random: SeededGenerator

    mutating func document() -> [UInt8] {
      var out: [UInt8] = []
      whitespace(&out)
      value(&out, depth: 0)
      whitespace(&out)
      return out
    }

    mutating func whitespace(_ out: inout [UInt8]) {
      guard random.count(upTo: 4) == 0 else { return }
      for _ in 0..<random.count(upTo: 3) { out.append([0x20, 0x09, 0x0A, 0x0D][random.count(upTo: 4)]) }
    }

    mutating func value(_ out: inout [UInt8], depth: Int) {
      switch random.count(upTo: depth > 6 ? 5 : 7) {
      case 0: out += Array(["true", "false", "null"][random.count(upTo: 3)].utf8)
      case 1, 2: number(&out)
      case 3, 4: string(&out)
      case 5: container(&out, depth: depth, open: "[", close: "]", keyed: false)
      default: container(&out, depth: depth, open: "{", close: "}", keyed: true)
      }
    }

    mutating func container(_ out: inout [UInt8], depth: Int, open: Character, close: Character, keyed: Bool) {
      out.append(UInt8(ascii: open.unicodeScalars.first ?? "["))
      whitespace(&out)
      for index in 0..<random.count(upTo: 4) {
        if index > 0 {
          out.append(UInt8(ascii: ","))
          whitespace(&out)
        }
        if keyed {
          string(&out)
          whitespace(&out)
          out.append(UInt8(ascii: ":"))
          whitespace(&out)
        }
        value(&out, depth: depth + 1)
        whitespace(&out)
      }
      out.append(UInt8(ascii: close.unicodeScalars.first ?? "]"))
    }

    mutating func number(_ out: inout [UInt8]) {
      var text = random.chance() ? "-" : ""
      text += random.chance() ? "0" : String(1 + random.count(upTo: 9)) + digits()
      if random.chance() { text += "." + String(random.count(upTo: 10)) + digits() }
      if random.count(upTo: 3) == 0 {
        text += ["e", "E"][random.count(upTo: 2)] + ["", "+", "-"][random.count(upTo: 3)] + String(random.count(upTo: 10))
      }
      out += Array(text.utf8)
    }

    mutating func digits() -> String { String((0..<random.count(upTo: 4)).map { _ in Character(String(random.count(upTo: 10))) }) }

    mutating func string(_ out: inout [UInt8]) {
      out.append(UInt8(ascii: "\""))
      for _ in 0..<random.count(upTo: 6) {
        switch random.count(upTo: 6) {
        case 0: out += Array(#"\" \\ \/ \b \f \n \r \t"#.split(separator: " ")[random.count(upTo: 8)].utf8)
        case 1: out += Array(String(format: "\\u%04x", [0x41, 0xE9, 0x1F, 0x7FF, 0xFFFD][random.count(upTo: 5)]).utf8)
        case 2: out += Array(#"\ud83d\ude00"#.utf8)
        case 3: out += Array(["é", "漢", "😀", "\u{7F}", "\u{10FFFF}"][random.count(upTo: 5)].utf8)
        default:
          // Printable ASCII, but not the quote or the backslash.
          let byte = UInt8(0x20 + random.count(upTo: 0x5F))
          out.append(byte == 0x22 || byte == 0x5C ? 0x41 : byte)
        }
      }
      out.append(UInt8(ascii: "\""))
    }
  }

  /// Bytes that mean something to the grammar, for mutations that stay close to JSON.
  static let grammarBytes = Array(#"{}[],:"\-+.eE0 u"#.utf8)

  /// Foundation's parser accepts the text (it is more lenient, never stricter, for these inputs).
  static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
  }

  @Test("20,000 generated and mutated documents: generated ones pass, known-invalid mutations fail, nothing Foundation rejects passes")
  func fuzz() throws {
    var generator = Generator(random: SeededGenerator(seed: 0x4A53_4F4E))
    var mutator = SeededGenerator(seed: 0x6D75_7461)
    let validator = JSONValidator()
    var accepted = 0
    for round in 0..<20_000 {
      let document = generator.document()
      let text = String(decoding: document, as: UTF8.self)
      #expect(validator.isValid(text), "round \(round): rejected generated \(text.debugDescription)")
      if round % 10 == 0 { #expect(Self.foundationAccepts(document), "round \(round): the generator wrote \(text.debugDescription)") }

      // Known-invalid: a BOM first; for a container, a comma before its
      // closing bracket, or any cut that loses that bracket.
      #expect(!validator.isValid("\u{FEFF}" + text))
      let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
      if let first = document.first(where: { !isSpace($0) }), first == UInt8(ascii: "[") || first == UInt8(ascii: "{"),
        let close = document.lastIndex(where: { !isSpace($0) })
      {
        var comma = document
        comma.insert(UInt8(ascii: ","), at: close)
        #expect(throws: JSONValidator.Failure.self, "trailing comma in \(text.debugDescription)") { try validator.validate(comma) }
        let cut = Array(document.prefix(mutator.count(upTo: close)))
        #expect(throws: JSONValidator.Failure.self, "a cut container passed: \(cut)") { try validator.validate(cut) }
      }

      // Random mutations: never a trap; whatever passes, Foundation accepts too.
      var mutated = document
      for _ in 0...mutator.count(upTo: 3) {
        let at = mutator.count(upTo: mutated.count + 1)
        switch mutator.count(upTo: 4) {
        case 0 where at < mutated.count: mutated[at] = UInt8(truncatingIfNeeded: mutator.next())
        case 1: mutated.insert(Self.grammarBytes[mutator.count(upTo: Self.grammarBytes.count)], at: at)
        case 2 where at < mutated.count: mutated.remove(at: at)
        default: mutated.insert(UInt8(truncatingIfNeeded: mutator.next()), at: at)
        }
      }
      if (try? validator.validate(mutated)) != nil {
        accepted += 1
        #expect(Self.foundationAccepts(mutated), "passed what Foundation rejects: \(String(decoding: mutated, as: UTF8.self).debugDescription) \(mutated)")
      }
    }
    // The mutations are not all trivially broken: some stay valid.
    #expect(accepted > 500, "only \(accepted) mutations stayed valid")
  }
}
