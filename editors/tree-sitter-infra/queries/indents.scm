; Neovim (nvim-treesitter) indentation: one level inside every bracket pair.
[
  (block)
  (list)
  (call)
  (parenthesized_expression)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

(comment) @indent.auto
