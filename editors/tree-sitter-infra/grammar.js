/**
 * Tree-sitter grammar for infrac's `.infra` files.
 *
 * It follows the lexer and parser in compiler/infrac-syntax: line breaks end entries
 * inside `{ }` and at the top level, and are insignificant inside `( )` and `[ ]`; a name
 * may hold `-` between name characters (`macos-15`, `local-lvm`); typed literals
 * (addresses, prefixes, MACs, ports, sizes) are single tokens. The test in
 * test/run.js parses every example, clean fixture and stdlib file with zero error nodes.
 */

const sep = ($, rule) =>
  seq(rule, repeat(seq(repeat1(choice($._newline, ',')), rule)));

const HEX = '[0-9a-fA-F]';
const IPV6 = `${HEX}{0,4}:${HEX}{0,4}:[0-9a-fA-F:.]*`;
const IPV4 = '[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+';

module.exports = grammar({
  name: 'infra',

  extras: $ => [/[ \t\r\f]/, $.comment],

  word: $ => $.identifier,

  conflicts: $ => [
    [$.rule],
    [$._primary, $.instance],
  ],

  rules: {
    source_file: $ => seq(
      repeat(choice($._newline, ',')),
      optional(seq(sep($, $._entry), repeat(choice($._newline, ',')))),
    ),

    _newline: _ => /\n/,

    _entry: $ => choice(
      $.import,
      $.declaration,
      $.attribute,
      $.rule,
      $.for_loop,
    ),

    import: $ => seq(
      'import',
      field('path', $.string),
      optional(seq('as', field('alias', $.identifier))),
    ),

    declaration: $ => seq(
      field('kind', $.identifier),
      optional(field('name', choice($.identifier, $.string))),
      optional(field('id', choice($.number, $.id_expression, $.parenthesized_expression))),
      repeat(choice(
        seq('on', field('on', $.path)),
        seq('from', field('from', $.path)),
        seq('in', field('in', $.path)),
      )),
      field('body', $.block),
    ),

    // `100 + i`: a VMID computed in a `for` loop.
    id_expression: $ => prec.left(seq(
      $.number,
      repeat1(seq(choice('+', '-', '*'), choice($.number, $.path))),
    )),

    block: $ => seq(
      '{',
      repeat(choice($._newline, ',')),
      optional(seq(sep($, $._entry), repeat(choice($._newline, ',')))),
      '}',
    ),

    // `cores = 2`, `vmid.vm = 100..999`, `policy input = drop`.
    attribute: $ => seq(
      field('name', $.attribute_name),
      '=',
      field('value', $._expression),
    ),

    attribute_name: $ => choice(
      seq($.identifier, repeat1(seq('.', $.identifier))),
      seq($.identifier, optional($.identifier)),
    ),

    // Firewall statements and expectations: `allow lan -> wan tcp/22, icmp`,
    // `masquerade [lan, guest] -> wan`, `forward wan tcp/443 -> proxy:443`,
    // `expect lan -> router ssh, dns allowed`.
    rule: $ => seq(
      field('action', alias(choice('allow', 'deny', 'masquerade', 'forward', 'expect'), $.action)),
      repeat($._operand),
      '->',
      repeat1(choice($._operand, ',', ':', seq('from', $._operand))),
    ),

    // What a firewall statement names: zones, machines, ports, addresses, lists.
    _operand: $ => choice(
      $.number,
      $.ipv4,
      $.ipv6,
      $.prefix,
      $.port,
      $.string,
      $.path,
      $.list,
    ),

    for_loop: $ => seq(
      'for',
      field('variable', $.identifier),
      'in',
      field('range', $._expression),
      field('body', $.block),
    ),

    _expression: $ => choice(
      $.placed_expression,
      $.range_expression,
      $.binary_expression,
      $._primary,
    ),

    // `50GiB on local-lvm`, `192.168.1.10 on mgmt`.
    placed_expression: $ => prec.left(1, seq($._expression, 'on', $.path)),

    range_expression: $ => prec.left(2, seq($._expression, '..', $._expression)),

    binary_expression: $ => choice(
      prec.left(3, seq($._expression, choice('+', '-'), $._expression)),
      prec.left(4, seq($._expression, choice('*', '/'), $._expression)),
    ),

    _primary: $ => choice(
      $.number,
      $.quantity,
      $.ipv4,
      $.ipv6,
      $.mac,
      $.prefix,
      $.port,
      $.boolean,
      $.string,
      $.raw_string,
      $.path,
      $.call,
      $.list,
      $.instance,
      $.parenthesized_expression,
    ),

    path: $ => prec.left(seq($.identifier, repeat(seq('.', $.identifier)))),

    call: $ => seq(
      field('function', $.identifier),
      '(',
      repeat($._newline),
      optional(seq(
        $._expression,
        repeat(seq(repeat($._newline), ',', repeat($._newline), $._expression)),
        repeat($._newline),
        optional(seq(',', repeat($._newline))),
      )),
      ')',
    ),

    list: $ => seq(
      '[',
      repeat($._newline),
      optional(seq(
        $._expression,
        repeat(seq(repeat($._newline), ',', repeat($._newline), $._expression)),
        repeat($._newline),
        optional(seq(',', repeat($._newline))),
      )),
      ']',
    ),

    // `dell.r730 { cpus = 2 * intel.xeon_e5_2690_v4 }`: a catalogue entry instantiated.
    instance: $ => seq(field('base', $.path), field('body', $.block)),

    parenthesized_expression: $ => seq('(', repeat($._newline), $._expression, repeat($._newline), ')'),

    boolean: _ => choice('true', 'false'),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.interpolation)),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\{\n]+/)),

    escape_sequence: _ => token.immediate(/\\[^\n]/),

    interpolation: $ => seq(token.immediate('{'), $._expression, '}'),

    // `r"^[a-z]+$"`: no escapes, no interpolation.
    raw_string: _ => token(seq('r"', /[^"\n]*/, '"')),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/,

    number: _ => token(choice(
      /0x[0-9a-fA-F_]+/,
      /[0-9][0-9_]*(\.[0-9][0-9_]*)?/,
    )),

    // A number with a unit: `32GiB`, `10G`, `500m`, `1.5TiB`, `30s`.
    quantity: _ => token(/[0-9][0-9_]*(\.[0-9][0-9_]*)?[A-Za-z]+/),

    ipv4: _ => token(new RegExp(IPV4)),

    ipv6: _ => token(new RegExp(IPV6)),

    // Six hex pairs: a MAC address rather than an IPv6 one.
    mac: _ => token(prec(1, new RegExp(`${HEX}{2}(:${HEX}{2}){5}`))),

    prefix: _ => token(new RegExp(`(${IPV4}|${IPV6})/[0-9]+`)),

    port: _ => token(/(tcp|udp|sctp)\/[0-9]+(\.\.[0-9]+)?/),

    // `#` to the end of the line; `##` (not `###`) is a doc comment.
    comment: _ => token(seq('#', /[^\n]*/)),
  },
});
