import Foundation
import HookwireSchema
import Testing

/// Generated code is committed; it must be exactly what the generator
/// makes from `Schema/` today.
@Suite("Generated code is current")
struct GeneratedCodeTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  @Test("every generated file matches a fresh generation (run `swift run hookwire-gen` if not)")
  func upToDate() throws {
    let files = try GenerationPlan.hookwire(root: Self.root).render(root: Self.root)
    #expect(files.count >= 8)
    for file in files {
      let committed = try? String(contentsOf: Self.root.appendingPathComponent(file.path), encoding: .utf8)
      #expect(committed == file.contents, "\(file.path) is stale: run `swift run hookwire-gen`")
    }
  }
}
