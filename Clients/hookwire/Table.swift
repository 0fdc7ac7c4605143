/// Rows under named columns, printed aligned for people or tab-separated
/// for programs.
///
/// On a terminal: a header of the column names, columns padded with two
/// spaces, nothing truncated, empty cells shown as `-`. Piped: no header,
/// one tab between cells, cells as they are (tabs and newlines inside a
/// cell become spaces so each record stays one line).
struct Table: Sendable {
  /// The column names, upper case.
  var columns: [String]
  /// The rows, as many cells each as there are columns.
  var rows: [[String]] = []

  /// Appends a row.
  mutating func append(_ row: [String]) { rows.append(row) }

  /// The lines to print.
  func lines(aligned: Bool) -> [String] {
    let clean = rows.map { row in row.map { $0.replacingTabsAndNewlines() } }
    guard aligned else { return clean.map { $0.joined(separator: "\t") } }
    let shown = [columns] + clean.map { row in row.map { $0.isEmpty ? "-" : $0 } }
    var widths = Array(repeating: 0, count: columns.count)
    for row in shown {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    return shown.map { row in
      var text = ""
      for (index, cell) in row.enumerated() {
        let last = index == row.count - 1
        text += last ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
      }
      return text
    }
  }
}

extension String {
  /// The text with tabs, carriage returns and newlines turned into spaces.
  fileprivate func replacingTabsAndNewlines() -> String {
    String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }))
  }
}
