/*
** ledger_json.h - the JSON shapes of the ledger (spec interfaces.md,
** "Ledger"): entries, purchases, states and expanded grants. Shared by the
** CLI commands (core/cli/cmd_ledger.c) and the wasm exports, so that every
** host reads and writes them the same way.
*/
#ifndef TALLY_LEDGER_JSON_H
#define TALLY_LEDGER_JSON_H

#include "../util/json.h"
#include "tally/ledger.h"

/* A whole decimal integer text (flags such as --at): strict, no overflow. */
TALLY_INTERNAL tally_status t_ledger_json_int(const char *s, size_t n, int64_t *out);

/*
** An amount: a JSON integer or a string -?digits[.digits]. TALLY_ERR_INPUT
** for the wrong form, TALLY_ERR_RANGE for too many digits.
*/
TALLY_INTERNAL tally_status t_ledger_json_amount(const t_json *v, tally_decimal *out);

/*
** An entry {"customer", "item", "t", "qty", "expiresAt", "key", "seq"}
** (customer and item required only when `names`). Strings point into the
** JSON tree. On a wrong shape: TALLY_ERR_INPUT naming the field.
*/
TALLY_INTERNAL tally_status t_ledger_json_entry(const t_json *v, bool names, tally_ledger_entry *e, tally_error *err);

/*
** A purchase {"customer", "key", "createdAt", "endedAt", "quantity",
** "items": [{"item", "quantity", "repeat", "expires"}]}; the items array is
** allocated in ar. TALLY_ERR_INPUT naming the field, or NOMEM.
*/
TALLY_INTERNAL tally_status t_ledger_json_purchase(t_arena *ar, const t_json *v, tally_ledger_purchase *p,
                                                   t_str *customer, t_str *key, tally_error *err);

/* A canonical decimal as a JSON string. */
TALLY_INTERNAL void t_ledger_json_write_dec(t_buf *b, tally_decimal d);
/* The members "balance", ..., "hasCredits" of a state (no braces, no leading comma). */
TALLY_INTERNAL void t_ledger_json_write_state(t_buf *b, const tally_ledger_state *s);
/* One entry object (no newline) for a grant of a purchase, keyed {key}:{item}:{k}. */
TALLY_INTERNAL void t_ledger_json_write_grant(t_buf *b, t_buf *scratch, t_str customer, t_str key,
                                              const tally_ledger_purchase *p, const tally_ledger_grant *g);

#endif
