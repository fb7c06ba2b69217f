; Highlighting for .infra files. Capture names follow the common set that Neovim, Helix
; and Zed all read (@keyword, @type, @property, @string, @number, @comment, …).

(comment) @comment
((comment) @comment.documentation
  (#match? @comment.documentation "^##([^#]|$)"))

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
(declaration name: (identifier) @type.definition)
(declaration name: (string) @type.definition)
(declaration id: (_) @number)

(attribute_name (identifier) @property)

(call function: (identifier) @function.call)

; `dell.r730`: a catalogue entry of a stdlib namespace.
(instance base: (path (identifier) @module . "." (identifier) @constant))
(path (identifier) @module . "." (identifier) @property)
(path (identifier) @variable)

(for_loop variable: (identifier) @variable.parameter)
(import alias: (identifier) @module)

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
(raw_string) @string.regexp
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
