; Zed highlighting for .infra files: editors/tree-sitter-infra/queries with Zed's capture
; names (comment.doc, string.regex, …).

(comment) @comment
((comment) @comment.doc
  (#match? @comment.doc "^##([^#]|$)"))

[
  "import"
  "as"
  "for"
  "in"
  "on"
  "from"
] @keyword

(boolean) @boolean

; The kind that starts a declaration (`host`, `vm`, `nic`, `storage`) and the action of
; a firewall statement or expectation (`allow`, `deny`, `masquerade`, `expect`).
(declaration kind: (identifier) @keyword)
(rule action: (action) @keyword)

; What a declaration declares.
(declaration name: (identifier) @type)
(declaration name: (string) @type)
(declaration id: (_) @number)

(attribute_name (identifier) @property)

(call function: (identifier) @function)

; `dell.r730`: a catalogue entry of a stdlib namespace.
(instance base: (path (identifier) @type . "." (identifier) @constant))
(path (identifier) @type . "." (identifier) @property)
(path (identifier) @variable)

(for_loop variable: (identifier) @variable)
(import alias: (identifier) @type)

[
  (number)
  (quantity)
] @number

[
  (ipv4)
  (ipv6)
  (mac)
  (prefix)
  (port)
] @constant

(string) @string
(raw_string) @string.regex
(escape_sequence) @string.escape
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
