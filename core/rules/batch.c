/*
** batch.c - sign-ups loaded once (contexts derived and copied into an
** arena) and evaluated in one call: the preview's workload.
*/
#include "engine.h"
#include "rules_json.h"
#include "ruleset.h"
#include "../util/error.h"
#include "../util/mem.h"
#include "../util/vec.h"

struct tally_signup_batch {
  tally_allocator alloc;
  t_arena strings;              /* every row's strings */
  T_VEC(t_signup_ctx) rows;
  tally_rules_scratch *scratch; /* for deriving contexts */
};

tally_status tally_signup_batch_new(const tally_allocator *alloc, tally_signup_batch **out) {
  tally_signup_batch *b = t_calloc(alloc, 1, sizeof *b);
  if (!b) return TALLY_ERR_NOMEM;
  b->alloc = *alloc;
  t_arena_init(&b->strings, alloc, 1 << 16);
  if (tally_rules_scratch_new(alloc, &b->scratch) != TALLY_OK) {
    t_free(alloc, b, sizeof *b);
    return TALLY_ERR_NOMEM;
  }
  *out = b;
  return TALLY_OK;
}

void tally_signup_batch_free(tally_signup_batch *b) {
  if (!b) return;
  tally_allocator a = b->alloc;
  t_arena_free(&b->strings);
  t_vec_free(&a, &b->rows);
  tally_rules_scratch_free(b->scratch);
  t_free(&a, b, sizeof *b);
}

static bool keep(t_arena *ar, t_str *s) {
  if (!s->len) { *s = T_STR(""); return true; }
  char *p = t_arena_strndup(ar, s->ptr, s->len);
  if (!p) return false;
  s->ptr = p;
  return true;
}

tally_status tally_signup_batch_add(tally_signup_batch *b, const tally_signup *signup, tally_error *err) {
  t_signup_ctx ctx;
  tally_status st = t_rules_derive(b->scratch, signup, &ctx, err);
  if (st != TALLY_OK) return st;
  if (!keep(&b->strings, &ctx.email)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  /* The domain is a suffix of the e-mail: point into the copy. */
  if (ctx.email_domain.len) ctx.email_domain.ptr = ctx.email.ptr + (ctx.email.len - ctx.email_domain.len);
  if (!keep(&b->strings, &ctx.auth_method) || !keep(&b->strings, &ctx.oauth_provider) ||
      !keep(&b->strings, &ctx.country_code) || !keep(&b->strings, &ctx.ip) || !t_vec_push(&b->alloc, &b->rows, ctx))
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

size_t tally_signup_batch_count(const tally_signup_batch *b) { return b->rows.len; }

tally_status tally_rules_eval_batch(const tally_rules *rs, tally_rules_scratch *s, const tally_signup_batch *b,
                                    tally_rules_row *rows, tally_rules_summary *summary, tally_error *err) {
  t_rules_summary sum;
  if (t_rules_summary_init(&sum, &rs->alloc, rs->n) != TALLY_OK) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  /*
  ** For the length of the batch, the conditions run in a context made for
  ** this rule set's env (variables in slots, no name lookups); the
  ** caller's scratch keeps its plain context, which serves any rule set.
  */
  t_cond_scratch *own;
  if (t_cond_scratch_new(&rs->alloc, rs->env, &own) != TALLY_OK) {
    t_rules_summary_free(&sum, &rs->alloc);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  t_cond_scratch *plain = t_rules_scratch_swap_cond(s, own);
  tally_status st = TALLY_OK;
  for (size_t i = 0; i < b->rows.len; i++) {
    tally_rules_result r;
    st = t_rules_eval_ctx(rs, s, &b->rows.items[i], &r, err);
    if (st != TALLY_OK) break;
    t_rules_summary_add(&sum, &r);
    if (rows) {
      rows[i].decision = (uint8_t)r.decision;
      rows[i].decided_by = (r.decision == TALLY_DECISION_ALLOW || r.decision == TALLY_DECISION_REJECT) && r.nevaluations
                               ? (int32_t)r.evaluations[r.nevaluations - 1].rule
                               : -1;
      rows[i].restricted_by = r.restricted_by;
    }
  }
  t_rules_scratch_swap_cond(s, plain);
  t_cond_scratch_free(&rs->alloc, own);
  if (st == TALLY_OK && summary) st = t_rules_scratch_keep_summary(s, &sum, summary, err);
  t_rules_summary_free(&sum, &rs->alloc);
  return st;
}
