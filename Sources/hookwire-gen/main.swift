// hookwire-gen: regenerates Swift from Schema/ (see Schema/README.md).
//
//   swift run hookwire-gen            write every generated file
//   swift run hookwire-gen --check    exit 1 if a committed file differs
//   swift run hookwire-gen --root DIR use DIR as the package root
import Foundation
import HookwireSchema

var arguments = Array(CommandLine.arguments.dropFirst())
var check = false
var root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
while let argument = arguments.first {
  arguments.removeFirst()
  switch argument {
  case "--check": check = true
  case "--root" where !arguments.isEmpty: root = URL(fileURLWithPath: arguments.removeFirst())
  case "-h", "--help":
    print("usage: hookwire-gen [--check] [--root DIR]")
    exit(0)
  default:
    FileHandle.standardError.write(Data("hookwire-gen: unknown argument '\(argument)'\n".utf8))
    exit(2)
  }
}

do {
  let files = try GenerationPlan.hookwire(root: root).render(root: root)
  var stale: [String] = []
  for file in files {
    let url = root.appendingPathComponent(file.path)
    let existing = try? String(contentsOf: url, encoding: .utf8)
    if existing == file.contents { continue }
    stale.append(file.path)
    if !check {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try file.contents.write(to: url, atomically: true, encoding: .utf8)
      print("wrote \(file.path)")
    }
  }
  if check && !stale.isEmpty {
    for path in stale { print("stale: \(path)") }
    exit(1)
  }
  if stale.isEmpty { print("up to date: \(files.count) files") }
} catch let error as SchemaError {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
} catch {
  FileHandle.standardError.write(Data("hookwire-gen: \(error)\n".utf8))
  exit(1)
}
