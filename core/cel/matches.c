/*
** matches.c - CEL's `matches` on the RE2-compatible engine of
** tally/regex.h. A constant pattern is compiled once, with the program
** (a small one with its whole DFA, shared by every context); any other
** pattern is compiled for the call and freed at once.
**
** A build without the regex module may define T_CEL_HAVE_REGEX=0:
** `matches` then fails with a clear evaluation error.
*/
#include "cel/program.h"
#include "util/error.h"
#include "tally/regex.h"

#ifndef T_CEL_HAVE_REGEX
#define T_CEL_HAVE_REGEX 1
#endif

#if T_CEL_HAVE_REGEX

tally_status t_cel_regex_prepare(tally_cel_program *prog, t_str pattern, const void **out, tally_error *err) {
  tally_regex *re;
  tally_error rerr;
  *out = NULL;
  tally_status s = tally_regex_compile(&prog->alloc, pattern.ptr, pattern.len, 0, &re, &rerr);
  if (s == TALLY_ERR_NOMEM) return t_error_set(err, s, "out of memory");
  if (s) return t_error_set(err, s, "invalid regular expression: %s", rerr.message);
  t_cel_regex_link *link = t_arena_alloc(&prog->arena, sizeof *link);
  if (!link) {
    tally_regex_free(re);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  link->re = re;
  link->next = prog->regexes;
  prog->regexes = link;
  *out = re;
  return TALLY_OK;
}

void t_cel_context_free_regex(tally_cel_context *ctx) {
  tally_regex_cache_free(ctx->re_cache);
  ctx->re_cache = NULL;
}

void t_cel_regex_free_all(tally_cel_program *prog) {
  for (t_cel_regex_link *l = prog->regexes; l; l = l->next) tally_regex_free(l->re);
  prog->regexes = NULL;
}

t_cel_val t_cel_matches(t_cel_eval *st, const t_cel_node *n, t_str text, t_str pattern) {
  const tally_regex *re = n->u.call.regex;
  tally_regex *own = NULL;
  if (!re) {
    tally_error e;
    /* Compiled for this call: building its whole DFA would cost more than the search it serves. */
    tally_status s = tally_regex_compile(&st->ar->alloc, pattern.ptr, pattern.len, TALLY_REGEX_LAZY, &own, &e);
    if (s == TALLY_ERR_NOMEM) return t_cel_nomem(st, n->offset);
    if (s) return t_cel_error(st, n->offset, "invalid regular expression: %s", e.message);
    re = own;
  }
  if (!t_cel_charge(st, 1 + text.len / 16, n->offset)) {
    tally_regex_free(own);
    return st->fatal;
  }
  /*
  ** A small constant pattern carries its whole DFA and needs no cache. Else
  ** the context's DFA cache makes repeated matching fast; without one the
  ** NFA still runs in linear time.
  */
  tally_regex_cache *cache = NULL;
  if (st->ctx && tally_regex_uses_cache(re)) {
    if (!st->ctx->re_cache) tally_regex_cache_new(&st->ctx->alloc, 0, &st->ctx->re_cache);
    cache = st->ctx->re_cache;
  }
  bool hit = false;
  tally_status s = tally_regex_search(re, cache, text.ptr, text.len, &hit);
  tally_regex_free(own);
  if (s == TALLY_ERR_NOMEM) return t_cel_nomem(st, n->offset);
  if (s) return t_cel_fail(st, s, n->offset, "regular expression limit reached");
  return t_cel_bool(hit);
}

#else

tally_status t_cel_regex_prepare(tally_cel_program *prog, t_str pattern, const void **out, tally_error *err) {
  (void)prog; (void)pattern; (void)err;
  *out = NULL;
  return TALLY_OK;
}

void t_cel_regex_free_all(tally_cel_program *prog) { (void)prog; }

void t_cel_context_free_regex(tally_cel_context *ctx) { (void)ctx; }

t_cel_val t_cel_matches(t_cel_eval *st, const t_cel_node *n, t_str text, t_str pattern) {
  (void)text; (void)pattern;
  return t_cel_error(st, n->offset, "matches: regular expressions are not available in this build");
}

#endif
