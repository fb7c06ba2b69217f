; Zed indentation: one level inside every bracket pair.
(block "}" @end) @indent
(list "]" @end) @indent
(call ")" @end) @indent
