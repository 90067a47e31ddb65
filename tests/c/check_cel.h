/*
** check_cel.h - the CEL tests' way to look at a result: one string per
** evaluation, so that a check reads as CHECK_STR(eval("1 + 1"), INT_2).
*/
#ifndef TALLY_TESTS_CHECK_CEL_H
#define TALLY_TESTS_CHECK_CEL_H

#include "check.h"
#include "tally/cel.h"

/*
** Compiles src in env and evaluates it in ctx. Gives the result as typed
** JSON, or "ERR kind message" ("ERR kind line:column message" with
** with_pos), written into out[cap]; *err keeps the error for more checks.
*/
static inline const char *check_cel_eval(const tally_cel_env *env, tally_cel_context *ctx, const char *src,
                                         int with_pos, tally_error *err, char *out, size_t cap) {
  tally_cel_program *prog;
  tally_status s = tally_cel_compile(env, src, strlen(src), &prog, err);
  if (s == TALLY_OK) {
    const tally_cel_value *v;
    s = tally_cel_eval(prog, ctx, &v, err);
    if (s == TALLY_OK) {
      const char *json;
      s = tally_cel_value_to_json(ctx, v, &json, NULL, err);
      if (s == TALLY_OK) snprintf(out, cap, "%s", json);
    }
    tally_cel_program_free(prog);
  }
  if (s != TALLY_OK && with_pos)
    snprintf(out, cap, "ERR %s %u:%u %s", tally_status_kind(s), (unsigned)err->line, (unsigned)err->column,
             err->message);
  else if (s != TALLY_OK)
    snprintf(out, cap, "ERR %s %s", tally_status_kind(s), err->message);
  return out;
}

#endif
