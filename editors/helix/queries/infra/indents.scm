; Helix indentation: one level inside every bracket pair.
[
  (block)
  (list)
  (call)
  (parenthesized_expression)
] @indent

[
  "}"
  "]"
  ")"
] @outdent
