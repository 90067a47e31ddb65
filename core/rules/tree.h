/*
** tree.h - the visual rule tree of the dashboard's rule builder, and its
** conversions to and from CEL (spec: signup-rules.md, "Conditions as a
** visual tree"). CEL to tree works on the parsed AST, never on text, so
** quotes, escapes and commas inside strings cannot fool it; a condition the
** tree cannot show is reported with the reason, never replaced.
*/
#ifndef TALLY_RULES_TREE_H
#define TALLY_RULES_TREE_H

#include "../util/base.h"
#include "../util/buf.h"
#include "../util/json.h"
#include "../util/mem.h"

/*
** Converts a CEL condition to tree JSON appended to `out`. Returns TALLY_OK
** with *representable set: when false, `reason` holds why (and `out` is
** untouched). A condition that does not parse returns TALLY_ERR_PARSE (or
** TALLY_ERR_LIMIT) with the position in err. Scratch memory comes from ar.
*/
TALLY_INTERNAL tally_status t_rules_cel_to_tree(t_arena *ar, const char *src, size_t len, t_buf *out,
                                                bool *representable, t_buf *reason, tally_error *err);

/*
** Converts tree JSON to CEL text appended to `out`. A tree of the wrong
** shape (unknown field or operator, a value of the wrong type, a score
** outside 0..100) is TALLY_ERR_INPUT with a message naming the node.
*/
TALLY_INTERNAL tally_status t_rules_tree_to_cel(const t_json *tree, t_buf *out, tally_error *err);

/* Appends a CEL double-quoted string literal that no value can escape. */
TALLY_INTERNAL void t_rules_quote(t_buf *out, const char *s, size_t len);

#endif
