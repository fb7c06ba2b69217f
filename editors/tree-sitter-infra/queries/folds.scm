; Blocks, lists and calls fold, as `infrac lsp`'s folding ranges do.
[
  (block)
  (list)
  (call)
] @fold
