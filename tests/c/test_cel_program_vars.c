/*
** test_cel_program_vars.c - tally_cel_program_variables lists exactly the
** names a program can look up: declared and undeclared identifiers (every
** candidate of a dotted chain), each once, but not comprehension or
** cel.bind variables; and binding only those names gives the result that
** binding a whole record gives.
*/
#include "check.h"
#include "tally/cel.h"

static check_alloc counter;
static tally_allocator alloc;
static tally_error err;

/* The names of src's program, sorted out as "a,b,c" in listing order ("ERR ..." on failure). */
static const char *names_of(tally_cel_env *env, const char *src) {
  static char out[1024];
  tally_cel_program *prog;
  if (tally_cel_compile(env, src, strlen(src), &prog, &err)) {
    snprintf(out, sizeof out, "ERR %s", err.message);
    return out;
  }
  const char *names[16];
  size_t lens[16];
  size_t n = tally_cel_program_variables(prog, names, lens, 16), o = 0;
  out[0] = 0;
  for (size_t i = 0; i < n && i < 16; i++)
    o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s", i ? "," : "", (int)lens[i], names[i]);
  /* a short array gets the first names and the full count */
  const char *one[1];
  size_t one_len[1];
  CHECK_INT(tally_cel_program_variables(prog, one, one_len, n ? 1 : 0), n);
  CHECK_INT(tally_cel_program_variables(prog, NULL, NULL, 0), n);
  if (n) CHECK(one[0] == names[0] && one_len[0] == lens[0]);
  tally_cel_program_free(prog);
  return out;
}

static void test_names(void) {
  tally_cel_env *env;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "email", 5, &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "scores", 6, &err), TALLY_OK);
  CHECK_INT(tally_cel_env_declare(env, "a.b", 3, &err), TALLY_OK);
  CHECK_STR(names_of(env, "1 + 2"), "");
  CHECK_STR(names_of(env, "email.endsWith('x') || scores.bot > 1 || email == ''"), "email,scores");
  CHECK_STR(names_of(env, "scores.bot > 1 ? email : 'x'"), "scores,email");
  CHECK_STR(names_of(env, "a.b.c"), "a.b");
  CHECK_STR(names_of(env, "[1, 2].exists(x, x == size(email))"), "email");
  CHECK_STR(names_of(env, "{'k': email}.all(k, k != '')"), "email");
  CHECK_STR(names_of(env, "has(scores.bot)"), "scores");
  CHECK_STR(names_of(env, "cel.bind(t, email, t + t)"), "email");
  CHECK_STR(names_of(env, "[email].map(e, [e] + [scores])"), "email,scores");
  CHECK_STR(names_of(env, "!(email in ['a', 'b'])"), "email");
  tally_cel_env_free(env);

  /* dynamic: an undeclared chain lists every candidate name */
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  tally_cel_env_set_dynamic(env, true);
  const char *got = names_of(env, "x.y.z == 1 && w > 0");
  CHECK(strstr(got, "x.y.z") && strstr(got, "x.y,") && strstr(got, "x,") && strstr(got, ",w"));
  CHECK_STR(names_of(env, "q"), "q");
  tally_cel_env_free(env);
}

/* Binding only the listed members of a record answers as binding all of it. */
static void test_subset_binds_the_same(void) {
  tally_cel_env *env;
  tally_cel_context *all, *some;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  tally_cel_env_set_dynamic(env, true);
  CHECK_INT(tally_cel_context_new(&alloc, &all), TALLY_OK);
  CHECK_INT(tally_cel_context_new(&alloc, &some), TALLY_OK);
  static const char *const srcs[] = {
    "n + 1", "m.k == 'v'", "l.exists(x, x == n)", "p.q.r", "has(m.k) && !has(m.j)", "zz", "cel.bind(n, 5, n)",
  };
  const char *rec = "{\"n\": 3, \"m\": {\"k\": \"v\"}, \"l\": [1, 3], \"p.q\": {\"r\": 7}, \"x\": 9, \"other\": \"o\"}";
  CHECK_INT(tally_cel_context_bind_json(all, rec, strlen(rec), false, &err), TALLY_OK);
  for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
    tally_cel_program *prog;
    CHECK_INT(tally_cel_compile(env, srcs[i], strlen(srcs[i]), &prog, &err), TALLY_OK);
    const char *names[8];
    size_t lens[8], n = tally_cel_program_variables(prog, names, lens, 8);
    CHECK(n <= 8);
    /* some: bind the whole record in a scratch context, copy over only the listed names */
    tally_cel_context_clear(some);
    char json[512];
    for (size_t k = 0; k < n && k < 8; k++) {
      /* the record's member of that name, if any, as its own JSON object */
      const char *key = names[k];
      char pat[64];
      snprintf(pat, sizeof pat, "\"%.*s\": ", (int)lens[k], key);
      const char *at = strstr(rec, pat);
      if (!at) continue;
      const char *v = at + strlen(pat), *e = v;
      int depth = 0;
      for (; *e && (depth || (*e != ',' && *e != '}')); e++) depth += (*e == '{' || *e == '[') - (*e == '}' || *e == ']');
      snprintf(json, sizeof json, "{%s%.*s}", pat, (int)(e - v), v);
      CHECK_INT(tally_cel_context_bind_json(some, json, strlen(json), false, &err), TALLY_OK);
    }
    const tally_cel_value *a, *b;
    tally_status sa = tally_cel_eval(prog, all, &a, &err);
    char ja[1024] = "", jb[1024] = "";
    const char *t;
    if (!sa && !tally_cel_value_to_json(all, a, &t, NULL, &err)) snprintf(ja, sizeof ja, "%s", t);
    else snprintf(ja, sizeof ja, "ERR %s", err.message);
    tally_status sb = tally_cel_eval(prog, some, &b, &err);
    if (!sb && !tally_cel_value_to_json(some, b, &t, NULL, &err)) snprintf(jb, sizeof jb, "%s", t);
    else snprintf(jb, sizeof jb, "ERR %s", err.message);
    CHECK_STR(jb, ja);
    tally_cel_program_free(prog);
  }
  tally_cel_context_free(all);
  tally_cel_context_free(some);
  tally_cel_env_free(env);
}

int main(void) {
  alloc = check_allocator(&counter);
  tally_cel_env *env;
  tally_cel_program *probe;
  CHECK_INT(tally_cel_env_new(&alloc, &env), TALLY_OK);
  bool parser = tally_cel_compile(env, "1", 1, &probe, &err) == TALLY_OK;
  if (parser) tally_cel_program_free(probe);
  tally_cel_env_free(env);
  if (parser) {
    RUN(test_names);
    RUN(test_subset_binds_the_same);
  } else {
    printf("test_cel_program_vars: parser not built in, skipped (%s)\n", err.message);
  }
  CHECK_INT(counter.live_bytes, 0);
  return check_report("test_cel_program_vars");
}
