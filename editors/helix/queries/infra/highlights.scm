; Helix highlighting for .infra files: the scopes of editors/tree-sitter-infra/queries
; renamed to Helix's theme scopes (constant.numeric, variable.other.member, …).

(comment) @comment
((comment) @comment.line.documentation
  (#match? @comment.line.documentation "^##([^#]|$)"))

[
  "import"
  "as"
  "for"
  "in"
  "on"
  "from"
] @keyword

(boolean) @constant.builtin.boolean

; The kind that starts a declaration (`host`, `vm`, `nic`, `storage`) and the action of
; a firewall statement or expectation (`allow`, `deny`, `masquerade`, `expect`).
(declaration kind: (identifier) @keyword)
(rule action: (action) @keyword)

; What a declaration declares.
(declaration name: (identifier) @type)
(declaration name: (string) @type)
(declaration id: (_) @constant.numeric)

(attribute_name (identifier) @variable.other.member)

(call function: (identifier) @function)

; `dell.r730`: a catalogue entry of a stdlib namespace.
(instance base: (path (identifier) @namespace . "." (identifier) @constant))
(path (identifier) @namespace . "." (identifier) @variable.other.member)
(path (identifier) @variable)

(for_loop variable: (identifier) @variable.parameter)
(import alias: (identifier) @namespace)

[
  (number)
  (quantity)
] @constant.numeric

[
  (ipv4)
  (ipv6)
  (mac)
  (prefix)
  (port)
] @constant

(string) @string
(raw_string) @string.regexp
(escape_sequence) @constant.character.escape
(interpolation
  "{" @punctuation.special
  "}" @punctuation.special)

[
  "="
  "->"
  "+"
  "-"
  "*"
  "/"
  ".."
] @operator

[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket

[
  ","
  "."
  ":"
] @punctuation.delimiter
