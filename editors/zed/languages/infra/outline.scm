; The outline panel: every declaration, by kind and name.
(declaration
  kind: (identifier) @context
  name: (_) @name) @item

(declaration
  kind: (identifier) @name
  !name) @item
