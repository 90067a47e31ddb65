/*
** exports_rules.c - the rules engine for js-bindings/rules.mjs. A rule set
** handle bundles the compiled rules with the scratch and the output buffer
** of its evaluations (JavaScript is single-threaded per instance).
*/
#include "wasm.h"
#include "tally/rules.h"
#include "../core/rules/engine.h"
#include "../core/rules/rules_json.h"
#include "../core/rules/ruleset.h"
#include "../core/util/buf.h"
#include "../core/util/error.h"
#include "../core/util/json.h"
#include "../core/util/mem.h"

typedef struct wasm_rules {
  tally_rules *rules;
  tally_rules_scratch *scratch;
  t_arena arena;
  t_buf out;
} wasm_rules;

static int32_t fail(tally_status st) {
  tally_error *e = tally_wasm_error_area();
  if (e->code != st) t_error_set(e, st, "%s", tally_status_kind(st));
  return (int32_t)st;
}

static void ok(void) { t_error_clear(tally_wasm_error_area()); }

TALLY_WASM_EXPORT(tally_wasm_rules_load)
wasm_rules *tally_wasm_rules_load(const char *json, size_t len) {
  const tally_allocator *a = tally_wasm_allocator();
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  wasm_rules *w = t_calloc(a, 1, sizeof *w);
  if (!w) { fail(TALLY_ERR_NOMEM); return NULL; }
  t_arena_init(&w->arena, a, 0);
  t_buf_init(&w->out, a);
  if (tally_rules_load(a, json, len, &w->rules, err) != TALLY_OK) {
    t_free(a, w, sizeof *w);
    return NULL;
  }
  if (tally_rules_scratch_new(a, &w->scratch) != TALLY_OK) {
    tally_rules_free(w->rules);
    t_free(a, w, sizeof *w);
    fail(TALLY_ERR_NOMEM);
    return NULL;
  }
  return w;
}

TALLY_WASM_EXPORT(tally_wasm_rules_free)
void tally_wasm_rules_free(wasm_rules *w) {
  if (!w) return;
  tally_rules_free(w->rules);
  tally_rules_scratch_free(w->scratch);
  t_arena_free(&w->arena);
  t_buf_free(&w->out);
  t_free(tally_wasm_allocator(), w, sizeof *w);
}

TALLY_WASM_EXPORT(tally_wasm_rules_count)
size_t tally_wasm_rules_count(wasm_rules *w) { return tally_rules_count(w->rules); }

TALLY_WASM_EXPORT(tally_wasm_rules_id)
const char *tally_wasm_rules_id(wasm_rules *w, size_t i) { return tally_rules_id(w->rules, i); }

/* The result JSON of one sign-up (NUL-terminated, valid until the next call), or NULL. */
TALLY_WASM_EXPORT(tally_wasm_rules_eval_json)
const char *tally_wasm_rules_eval_json(wasm_rules *w, const char *json, size_t len) {
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  t_arena_reset(&w->arena);
  t_json *v;
  tally_signup su;
  tally_rules_result r;
  if (t_json_parse(&w->arena, json, len, NULL, &v, err) != TALLY_OK ||
      t_rules_signup_from_json(v, &su, err) != TALLY_OK ||
      tally_rules_eval(w->rules, w->scratch, &su, &r, err) != TALLY_OK)
    return NULL;
  t_buf_clear(&w->out);
  t_rules_write_result(&w->out, w->rules, &r);
  if (w->out.failed) { fail(TALLY_ERR_NOMEM); return NULL; }
  return t_buf_cstr(&w->out);
}

/* ---- sign-up batches ------------------------------------------------------ */

typedef struct wasm_signups {
  tally_signup_batch *batch;
  t_arena arena;
} wasm_signups;

TALLY_WASM_EXPORT(tally_wasm_signups_new)
wasm_signups *tally_wasm_signups_new(void) {
  const tally_allocator *a = tally_wasm_allocator();
  wasm_signups *s = t_calloc(a, 1, sizeof *s);
  if (!s) { fail(TALLY_ERR_NOMEM); return NULL; }
  t_arena_init(&s->arena, a, 0);
  if (tally_signup_batch_new(a, &s->batch) != TALLY_OK) {
    t_free(a, s, sizeof *s);
    fail(TALLY_ERR_NOMEM);
    return NULL;
  }
  ok();
  return s;
}

TALLY_WASM_EXPORT(tally_wasm_signups_free)
void tally_wasm_signups_free(wasm_signups *s) {
  if (!s) return;
  tally_signup_batch_free(s->batch);
  t_arena_free(&s->arena);
  t_free(tally_wasm_allocator(), s, sizeof *s);
}

TALLY_WASM_EXPORT(tally_wasm_signups_count)
size_t tally_wasm_signups_count(wasm_signups *s) { return tally_signup_batch_count(s->batch); }

/*
** Adds the sign-ups of JSON Lines text. Returns how many lines were
** rejected (bad JSON or values); the 1-based number of the first rejected
** line is in transfer slot 0 and its error in the error area.
*/
TALLY_WASM_EXPORT(tally_wasm_signups_add_jsonl)
int32_t tally_wasm_signups_add_jsonl(wasm_signups *s, const char *text, size_t len) {
  tally_error *err = tally_wasm_error_area();
  uint64_t *slots = tally_wasm_transfer_area();
  t_error_clear(err);
  slots[0] = 0;
  int32_t bad = 0;
  size_t i = 0;
  uint64_t line_no = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && text[j] != '\n') j++;
    size_t end = j;
    if (end > i && text[end - 1] == '\r') end--;
    line_no++;
    bool blank = true;
    for (size_t k = i; k < end; k++)
      if (!(text[k] == ' ' || text[k] == '\t')) { blank = false; break; }
    if (!blank) {
      t_arena_reset(&s->arena);
      tally_error lerr;
      t_error_clear(&lerr);
      t_json *v;
      tally_signup su;
      tally_status st = t_json_parse(&s->arena, text + i, end - i, NULL, &v, &lerr);
      if (st == TALLY_OK) st = t_rules_signup_from_json(v, &su, &lerr);
      if (st == TALLY_OK) st = tally_signup_batch_add(s->batch, &su, &lerr);
      if (st == TALLY_ERR_NOMEM) return fail(TALLY_ERR_NOMEM) ? -1 : -1;
      if (st != TALLY_OK) {
        if (!bad) { *err = lerr; slots[0] = line_no; }
        bad++;
      }
    }
    i = j + 1;
  }
  return bad;
}

/*
** Evaluates every sign-up: rows receives 12 bytes per sign-up (u8
** decision at +0, i32 decided_by at +4, i32 restricted_by at +8). Returns
** the summary JSON (valid until the next call on w), or NULL on error.
*/
TALLY_WASM_EXPORT(tally_wasm_rules_eval_batch)
const char *tally_wasm_rules_eval_batch(wasm_rules *w, wasm_signups *s, tally_rules_row *rows) {
  _Static_assert(sizeof(tally_rules_row) == 12, "the row layout is part of the ABI");
  tally_error *err = tally_wasm_error_area();
  t_error_clear(err);
  tally_rules_summary sum;
  if (tally_rules_eval_batch(w->rules, w->scratch, s->batch, rows, &sum, err) != TALLY_OK) return NULL;
  t_buf *b = &w->out;
  t_buf_clear(b);
  t_rules_summary_write(b, w->rules, &sum);
  if (b->failed) { fail(TALLY_ERR_NOMEM); return NULL; }
  return t_buf_cstr(b);
}
