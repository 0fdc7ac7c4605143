/// Carries a loop-confined value into work that runs on that loop.
package struct UncheckedBox<Value>: @unchecked Sendable {
  // Unchecked: the value is only touched on the loop the work runs on, or
  // under the lock of the state that holds it.
  package var value: Value

  /// Boxes `value`.
  package init(_ value: Value) { self.value = value }
}
