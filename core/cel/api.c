/*
** api.c - the public CEL API of tally/cel.h: environments, compilation,
** contexts with their activation, evaluation and result access.
*/
#include "cel/program.h"
#include "cel/ext.h"
#include "cel/checker.h"
#include "util/error.h"
#include "util/json.h"
#include "util/utf8.h"

/*
** The parser lands in parallel with this file: until core/cel/parser.c and its
** macros are in the tree (and so in libtally), tally_cel_compile reports that it is
** missing instead of breaking the link.
*/
#if defined(__has_include) && !defined(T_CEL_HAVE_PARSER)
#if __has_include("cel/parser.c") && (__has_include("cel/macros.c") || __has_include("cel/macro.c"))
#define T_CEL_HAVE_PARSER 1
#endif
#endif
#ifdef T_CEL_HAVE_PARSER
#include "cel/parser.h"
#endif

/*
** {======================================================
** Environment
** =======================================================
*/

tally_status tally_cel_env_new(const tally_allocator *alloc, tally_cel_env **out) {
  *out = NULL;
  tally_cel_env *env = t_calloc(alloc, 1, sizeof *env);
  if (!env) return TALLY_ERR_NOMEM;
  env->alloc = *alloc;
  *out = env;
  return TALLY_OK;
}

void tally_cel_env_free(tally_cel_env *env) {
  if (!env) return;
  const tally_allocator *a = &env->alloc;
  for (size_t i = 0; i < env->decls.len; i++) t_free(a, (void *)env->decls.items[i].ptr, env->decls.items[i].len + 1);
  t_vec_free(a, &env->decls);
  t_free(a, env->decl_index, env->decl_index_cap * sizeof *env->decl_index);
  if (env->container.ptr) t_free(a, (void *)env->container.ptr, env->container.len + 1);
  if (env->result_type.ptr) t_free(a, (void *)env->result_type.ptr, env->result_type.len + 1);
  tally_cel_checker_free(env->checker);
  tally_allocator copy = *a;
  t_free(&copy, env, sizeof *env);
}

static void api__index_put(t_cel_decl_ref *index, size_t cap, uint32_t hash, size_t i) {
  size_t mask = cap - 1, j = hash & mask;
  while (index[j].index1) j = (j + 1) & mask;
  index[j].hash = hash;
  index[j].index1 = (uint32_t)i + 1;
}

int32_t t_cel_env_find(const tally_cel_env *env, t_str name, uint32_t hash) {
  if (!env->decl_index) return -1;
  size_t mask = env->decl_index_cap - 1;
  for (size_t j = hash & mask;; j = (j + 1) & mask) {
    const t_cel_decl_ref *r = &env->decl_index[j];
    if (!r->index1) return -1;
    if (r->hash != hash) continue;
    t_str d = env->decls.items[r->index1 - 1];
    if (d.len == name.len && t_cel_bytes_eq(d.ptr, name.ptr, d.len)) return (int32_t)(r->index1 - 1);
  }
}

/* Adds a declaration (an owned copy of name); *out is the copy, or the existing one. */
static tally_status api__decl_add(tally_cel_env *env, const char *name, size_t len, const char **out,
                                  tally_error *err) {
  if (len == 0) return t_error_set(err, TALLY_ERR_USAGE, "empty variable name");
  t_str key = {name, len};
  uint32_t h = t_cel_hash_name(key);
  int32_t found = t_cel_env_find(env, key, h);
  if (found >= 0) {
    *out = env->decls.items[found].ptr;
    return TALLY_OK;
  }
  if (env->decls.len >= INT32_MAX - 1) return t_error_set(err, TALLY_ERR_LIMIT, "too many declarations");
  if ((env->decls.len + 1) * 2 > env->decl_index_cap) {
    size_t ncap = env->decl_index_cap ? env->decl_index_cap * 2 : 16;
    t_cel_decl_ref *ni = t_calloc(&env->alloc, ncap, sizeof *ni);
    if (!ni) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < env->decls.len; i++) api__index_put(ni, ncap, t_cel_hash_name(env->decls.items[i]), i);
    t_free(&env->alloc, env->decl_index, env->decl_index_cap * sizeof *ni);
    env->decl_index = ni;
    env->decl_index_cap = ncap;
  }
  char *p = t_strndup(&env->alloc, name, len);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  if (!t_vec_push(&env->alloc, &env->decls, ((t_str){p, len}))) {
    t_free(&env->alloc, p, len + 1);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  api__index_put(env->decl_index, env->decl_index_cap, h, env->decls.len - 1);
  *out = p;
  return TALLY_OK;
}

tally_status tally_cel_env_declare(tally_cel_env *env, const char *name, size_t len, tally_error *err) {
  size_t before = env->decls.len;
  const char *p;
  tally_status st = api__decl_add(env, name, len, &p, err);
  if (st || env->decls.len == before) return st;
  if (env->checker) return tally_cel_checker_declare(env->checker, p, "dyn", err);
  return TALLY_OK;
}

/*
** The checker of a typed env, made on first use with what the env already
** holds, so that declarations may come in any order.
*/
static tally_status api__checker(tally_cel_env *env, tally_error *err) {
  if (env->checker) return TALLY_OK;
  tally_cel_checker *chk;
  if (tally_cel_checker_new(&env->alloc, &chk)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  tally_cel_checker_set_libraries(chk, env->libs);
  tally_status st = TALLY_OK;
  if (env->container.ptr) st = tally_cel_checker_set_container(chk, env->container.ptr, err);
  for (size_t i = 0; i < env->decls.len && !st; i++) st = tally_cel_checker_declare(chk, env->decls.items[i].ptr, "dyn", err);
  if (st) {
    tally_cel_checker_free(chk);
    return st;
  }
  env->checker = chk;
  return TALLY_OK;
}

/* The name's own (NUL-terminated) copy, held in env->decls. */
static tally_status api__typed_name(tally_cel_env *env, const char *name, size_t len, const char **out,
                                    tally_error *err) {
  if (len == 0) return t_error_set(err, TALLY_ERR_USAGE, "empty variable name");
  tally_status st = api__checker(env, err);
  if (st) return st;
  return api__decl_add(env, name, len, out, err);
}

/*
** A name declared untyped before is dyn in the checker: a typed
** declaration of it replaces that, anything else conflicts.
*/
static void api__forget_dyn(tally_cel_checker *chk, const char *name) {
  t_str n = {name, t_strlen(name)};
  for (size_t i = 0; i < chk->vars.len; i++) {
    if (t_str_eq(chk->vars.items[i].name, n) && chk->vars.items[i].type->kind == T_TYPE_DYN) {
      chk->vars.items[i] = chk->vars.items[--chk->vars.len];
      return;
    }
  }
}

tally_status tally_cel_env_declare_typed(tally_cel_env *env, const char *name, size_t len, const char *type,
                                         tally_error *err) {
  const char *n = NULL;
  tally_status st = api__typed_name(env, name, len, &n, err);
  if (st) return st;
  api__forget_dyn(env->checker, n);
  return tally_cel_checker_declare(env->checker, n, type, err);
}

tally_status tally_cel_env_declare_type(tally_cel_env *env, const char *type_name, const tally_cel_field *fields,
                                        size_t nfields, tally_error *err) {
  tally_status st = api__checker(env, err);
  if (st) return st;
  return tally_cel_checker_declare_type(env->checker, type_name, fields, nfields, err);
}

tally_status tally_cel_env_declare_object(tally_cel_env *env, const char *name, size_t len, const char *type_name,
                                          const tally_cel_field *fields, size_t nfields, tally_error *err) {
  tally_status st = tally_cel_env_declare_type(env, type_name, fields, nfields, err);
  if (st) return st;
  return tally_cel_env_declare_typed(env, name, len, type_name, err);
}

tally_status tally_cel_env_set_result_type(tally_cel_env *env, const char *type, tally_error *err) {
  if (env->result_type.ptr) t_free(&env->alloc, (void *)env->result_type.ptr, env->result_type.len + 1);
  env->result_type = (t_str){NULL, 0};
  if (!type) return TALLY_OK;
  size_t n = t_strlen(type);
  char *p = t_strndup(&env->alloc, type, n);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  env->result_type = (t_str){p, n};
  return api__checker(env, err);
}

tally_status tally_cel_env_set_container(tally_cel_env *env, const char *name, size_t len, tally_error *err) {
  char *p = t_strndup(&env->alloc, name ? name : "", name ? len : 0);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  if (env->container.ptr) t_free(&env->alloc, (void *)env->container.ptr, env->container.len + 1);
  env->container = (t_str){p, name ? len : 0};
  if (env->checker) return tally_cel_checker_set_container(env->checker, p, err);
  return TALLY_OK;
}

void tally_cel_env_set_dynamic(tally_cel_env *env, bool dynamic) { env->dynamic = dynamic; }
void tally_cel_env_set_macros(tally_cel_env *env, bool enabled) { env->no_macros = !enabled; }
tally_status tally_cel_env_enable(tally_cel_env *env, unsigned libs, tally_error *err) {
  if (libs & ~(unsigned)T_CEL_EXT_ALL_LIBS)
    return t_error_set(err, TALLY_ERR_USAGE, "unknown CEL library flags 0x%x", libs & ~(unsigned)T_CEL_EXT_ALL_LIBS);
  env->libs |= libs;
  if (env->checker) tally_cel_checker_set_libraries(env->checker, env->libs);
  return TALLY_OK;
}

void tally_cel_env_disable(tally_cel_env *env, unsigned libs) {
  env->libs &= ~libs;
  if (env->checker) tally_cel_checker_set_libraries(env->checker, env->libs);
}

void tally_cel_env_set_limits(tally_cel_env *env, const tally_cel_limits *limits) { env->limits = *limits; }

static tally_cel_limits api__limits(const tally_cel_limits *l) {
  tally_cel_limits r = *l;
  if (!r.max_cost) r.max_cost = T_CEL_LIMIT_MAX_COST;
  if (!r.max_string_bytes) r.max_string_bytes = T_CEL_LIMIT_MAX_STRING;
  if (!r.max_list_len) r.max_list_len = T_CEL_LIMIT_MAX_LIST;
  if (!r.max_eval_memory) r.max_eval_memory = T_CEL_LIMIT_MAX_MEMORY;
  if (!r.max_source_len) r.max_source_len = T_CEL_LIMIT_MAX_SOURCE;
  /* A value's string length is 32 bits (value.h). */
  if (r.max_string_bytes > T_CEL_MAX_STR) r.max_string_bytes = T_CEL_MAX_STR;
  if (r.max_source_len > T_CEL_MAX_STR) r.max_source_len = T_CEL_MAX_STR;
  return r;
}

/* }====================================================== */

/*
** {======================================================
** Programs
** =======================================================
*/

tally_status t_cel_program_new(const tally_cel_env *env, const char *src, size_t len, tally_cel_program **out,
                               tally_error *err) {
  *out = NULL;
  tally_cel_limits limits = api__limits(&env->limits);
  if (len > limits.max_source_len)
    return t_error_set(err, TALLY_ERR_LIMIT, "expression too long (%zu bytes, limit is %zu)", len,
                       limits.max_source_len);
  tally_cel_program *prog = t_calloc(&env->alloc, 1, sizeof *prog);
  if (!prog) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  prog->alloc = env->alloc;
  prog->env = env;
  prog->limits = limits;
  t_arena_init(&prog->arena, &prog->alloc, 4096);
  char *copy = t_arena_strndup(&prog->arena, src ? src : "", src ? len : 0);
  if (!copy) {
    tally_cel_program_free(prog);
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  }
  prog->source = copy;
  prog->source_len = len;
  *out = prog;
  return TALLY_OK;
}

#ifdef T_CEL_HAVE_PARSER
/*
** Type-checks the parsed AST of a typed env. The per-node types live in a
** scratch arena: the compiled program does not keep them.
*/
static tally_status api__check(const tally_cel_env *env, tally_cel_program *prog, const t_cel_ast *ast,
                               tally_error *err) {
  t_arena tmp;
  t_arena_init(&tmp, &prog->alloc, 8192);
  const t_type *expected = NULL;
  tally_status s = TALLY_OK;
  if (env->result_type.ptr)
    s = t_type_parse(&tmp, env->result_type.ptr, env->result_type.len, t_cel_checker_has_object, env->checker,
                     &expected, err);
  t_cel_checked checked;
  if (s == TALLY_OK) s = t_cel_check_ast(env->checker, &tmp, ast, expected, &checked, err);
  t_arena_free(&tmp);
  return s;
}
#endif

tally_status tally_cel_compile(const tally_cel_env *env, const char *src, size_t len, tally_cel_program **out,
                               tally_error *err) {
  tally_cel_program *prog;
  *out = NULL;
  tally_status s = t_cel_program_new(env, src, len, &prog, err);
  if (s) return s;
#ifdef T_CEL_HAVE_PARSER
  t_cel_ast ast;
  t_cel_parse_options opts;
  t_memset(&opts, 0, sizeof opts);
  opts.disable_macros = env->no_macros;
  opts.max_source_len = prog->limits.max_source_len;
  s = t_cel_parse(&prog->arena, prog->source, prog->source_len, &opts, &ast, err);
  if (s == TALLY_OK && env->checker && !env->dynamic) s = api__check(env, prog, &ast, err);
  if (s == TALLY_OK) s = t_cel_compile_ast(env, prog, &ast, err);
#else
  s = t_error_set(err, TALLY_ERR_PARSE, "the CEL parser is not built in");
#endif
  if (s) {
    tally_cel_program_free(prog);
    return s;
  }
  *out = prog;
  return TALLY_OK;
}

void tally_cel_program_free(tally_cel_program *prog) {
  if (!prog) return;
  tally_allocator a = prog->alloc;
  t_cel_regex_free_all(prog);
  t_arena_free(&prog->arena);
  t_free(&a, prog, sizeof *prog);
}

/* }====================================================== */

/*
** {======================================================
** Contexts and the activation
** =======================================================
*/

uint32_t t_cel_hash_name(t_str s) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.ptr[i]) * 16777619u;
  return h | 1u;
}

/*
** The first chunk of a sign-up's activation (strings, a small map and the
** value cells; a context without slots also copies the names): later
** chunks double from it. Part of the context's own allocation, with room
** for the arena's chunk header (three words, 16-byte aligned: util/mem.c;
** were it ever bigger, the first chunk would simply come from the host).
*/
#define T_CEL_FIRST_CHUNK 512u
#define T_CEL_FIRST_CHUNK_NAMES 128u
#define T_CEL_CHUNK_HEADROOM (4 * sizeof(void *))

/*
** The binding arena's allocator: its first chunk is the one inside the
** context, taken whenever it is free and big enough; the rest comes from
** the host. Arenas only allocate and free chunks, never resize them.
*/
static void *api__bind_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  tally_cel_context *ctx = ud;
  if (ptr && ptr == ctx->first_chunk) {
    ctx->first_chunk_used = false;
    return NULL;
  }
  if (!ptr && nsize && !ctx->first_chunk_used && nsize <= ctx->first_chunk_size) {
    ctx->first_chunk_used = true;
    return ctx->first_chunk;
  }
  return ctx->alloc.fn(ctx->alloc.ud, ptr, osize, nsize);
}

static size_t api__align16(size_t n) { return (n + 15u) & ~(size_t)15u; }

static tally_status api__context_new(const tally_allocator *alloc, const tally_cel_env *env,
                                     tally_cel_context **out) {
  *out = NULL;
  size_t nslots = env ? env->decls.len : 0, nwords = (nslots + 63) / 64;
  if (nslots > (SIZE_MAX / 2) / sizeof(t_cel_val)) return TALLY_ERR_NOMEM;
  /* the bound bits first: the first slots then share their cache line */
  size_t bound_at = api__align16(sizeof(tally_cel_context));
  size_t slots_at = api__align16(bound_at + nwords * sizeof(uint64_t));
  size_t chunk_at = api__align16(slots_at + nslots * sizeof(t_cel_val));
  size_t chunk = T_CEL_FIRST_CHUNK + (nslots ? 0 : T_CEL_FIRST_CHUNK_NAMES);
  size_t size = chunk_at + T_CEL_CHUNK_HEADROOM + chunk;
  unsigned char *mem = t_alloc(alloc, size);
  if (!mem) return TALLY_ERR_NOMEM;
  t_memset(mem, 0, chunk_at);
  tally_cel_context *ctx = (tally_cel_context *)mem;
  ctx->alloc = *alloc;
  ctx->size = size;
  ctx->env = env;
  ctx->nslots = (uint32_t)nslots;
  ctx->slots = nslots ? (t_cel_val *)(mem + slots_at) : NULL;
  ctx->bound = nwords ? (uint64_t *)(mem + bound_at) : NULL;
  ctx->first_chunk = mem + chunk_at;
  ctx->first_chunk_size = T_CEL_CHUNK_HEADROOM + chunk;
  tally_allocator bind_alloc = {api__bind_alloc, ctx};
  t_arena_init(&ctx->bind_arena, &bind_alloc, chunk);
  t_arena_init(&ctx->eval_arena, &ctx->alloc, 1024);
  *out = ctx;
  return TALLY_OK;
}

tally_status tally_cel_context_new(const tally_allocator *alloc, tally_cel_context **out) {
  return api__context_new(alloc, NULL, out);
}

tally_status tally_cel_context_new_for_env(const tally_cel_env *env, tally_cel_context **out) {
  return api__context_new(&env->alloc, env, out);
}

void tally_cel_context_free(tally_cel_context *ctx) {
  if (!ctx) return;
  tally_allocator a = ctx->alloc;
  t_cel_context_free_regex(ctx);
  t_arena_free(&ctx->bind_arena);
  t_arena_free(&ctx->eval_arena);
  t_free(&a, ctx->binds, ctx->bind_cap * sizeof(t_cel_binding));
  t_free(&a, ctx->locals, ctx->locals_cap * sizeof(t_cel_val));
  t_free(&a, ctx, ctx->size);
}

void tally_cel_context_clear(tally_cel_context *ctx) {
  if (ctx->nbinds) t_memset(ctx->binds, 0, ctx->bind_cap * sizeof(t_cel_binding));
  ctx->nbinds = 0;
  if (ctx->bound) t_memset(ctx->bound, 0, (ctx->nslots + 63) / 64 * sizeof(uint64_t));
  ctx->bind_next = 0;
  t_arena_reset(&ctx->bind_arena);
  t_arena_reset(&ctx->eval_arena);
}

static inline bool api__name_eq(t_str a, t_str b) { return a.len == b.len && t_cel_bytes_eq(a.ptr, b.ptr, a.len); }

/* The slot of a name the context's env declares, or -1. */
static inline int32_t api__slot(const tally_cel_context *ctx, t_str name, uint32_t hash) {
  if (!ctx->nslots) return -1;
  int32_t d = t_cel_env_find(ctx->env, name, hash);
  return d >= 0 && (uint32_t)d < ctx->nslots ? d : -1;
}

const t_cel_val *t_cel_context_lookup(const tally_cel_context *ctx, t_str name, uint32_t hash) {
  if (!ctx) return NULL;
  int32_t d = api__slot(ctx, name, hash);
  if (d >= 0) return ctx->bound[d >> 6] >> (d & 63) & 1 ? &ctx->slots[d] : NULL;
  if (!ctx->nbinds) return NULL;
  size_t mask = ctx->bind_cap - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const t_cel_binding *b = &ctx->binds[i];
    if (!b->name.ptr) return NULL;
    if (b->hash == hash && api__name_eq(b->name, name)) return &b->value;
  }
}

static tally_cel_value *api__new(tally_cel_context *ctx, t_cel_val v) {
  tally_cel_value *p = t_arena_alloc(&ctx->bind_arena, sizeof *p);
  if (p) *p = v;
  return p;
}

tally_cel_value *tally_cel_value_null(tally_cel_context *ctx) { return api__new(ctx, t_cel_null()); }
tally_cel_value *tally_cel_value_bool(tally_cel_context *ctx, bool v) { return api__new(ctx, t_cel_bool(v)); }
tally_cel_value *tally_cel_value_int(tally_cel_context *ctx, int64_t v) { return api__new(ctx, t_cel_int(v)); }
tally_cel_value *tally_cel_value_uint(tally_cel_context *ctx, uint64_t v) { return api__new(ctx, t_cel_uint(v)); }
tally_cel_value *tally_cel_value_double(tally_cel_context *ctx, double v) { return api__new(ctx, t_cel_double(v)); }

tally_cel_value *tally_cel_value_string(tally_cel_context *ctx, const char *s, size_t len) {
  if (len > T_CEL_MAX_STR || t_utf8_validate(s, len) != len) return NULL;
  char *p = t_arena_strndup(&ctx->bind_arena, s, len);
  return p ? api__new(ctx, t_cel_string((t_str){p, len})) : NULL;
}

tally_cel_value *tally_cel_value_bytes(tally_cel_context *ctx, const void *b, size_t len) {
  if (len > T_CEL_MAX_STR) return NULL;
  char *p = t_arena_strndup(&ctx->bind_arena, b, len);
  return p ? api__new(ctx, t_cel_bytes((t_str){p, len})) : NULL;
}

tally_cel_value *tally_cel_value_timestamp(tally_cel_context *ctx, int64_t sec, int32_t nsec) {
  t_timestamp ts;
  if (t_time_from_unix(sec, nsec, &ts, NULL) != TALLY_OK) return NULL;
  return api__new(ctx, t_cel_ts(ts));
}

tally_cel_value *tally_cel_value_duration(tally_cel_context *ctx, int64_t nanos) {
  return api__new(ctx, t_cel_dur(t_dur_from_nanos(nanos)));
}

tally_cel_value *tally_cel_value_list(tally_cel_context *ctx) {
  t_cel_val v;
  v.kind = T_CEL_V_LIST;
  v.u.l = t_cel_list_new(&ctx->bind_arena, 0);
  return v.u.l ? api__new(ctx, v) : NULL;
}

tally_cel_value *tally_cel_value_map(tally_cel_context *ctx) {
  t_cel_val v;
  v.kind = T_CEL_V_MAP;
  v.u.m = t_cel_map_new(&ctx->bind_arena, 0);
  return v.u.m ? api__new(ctx, v) : NULL;
}

tally_status tally_cel_list_append(tally_cel_context *ctx, tally_cel_value *list, const tally_cel_value *item,
                                   tally_error *err) {
  if (!list || !item) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory (or an invalid value)");
  if (list->kind != T_CEL_V_LIST) return t_error_set(err, TALLY_ERR_USAGE, "not a list");
  if (!t_cel_list_push(&ctx->bind_arena, list->u.l, *item)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  return TALLY_OK;
}

tally_status tally_cel_map_insert(tally_cel_context *ctx, tally_cel_value *map, const tally_cel_value *key,
                                  const tally_cel_value *val, tally_error *err) {
  if (!map || !key || !val) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory (or an invalid value)");
  if (map->kind != T_CEL_V_MAP) return t_error_set(err, TALLY_ERR_USAGE, "not a map");
  if (!t_cel_key_ok(*key))
    return t_error_set(err, TALLY_ERR_INPUT, "unsupported map key type: %s", t_cel_type_name_of(*key));
  t_cel_put p = t_cel_map_put(&ctx->bind_arena, map->u.m, *key, *val);
  if (p == T_CEL_PUT_NOMEM) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  if (p == T_CEL_PUT_DUP) return t_error_set(err, TALLY_ERR_INPUT, "duplicate map key");
  return TALLY_OK;
}

static bool api__grow_binds(tally_cel_context *ctx) {
  size_t ncap = ctx->bind_cap ? ctx->bind_cap * 2 : 16;
  t_cel_binding *nb = t_calloc(&ctx->alloc, ncap, sizeof *nb);
  if (!nb) return false;
  for (size_t i = 0; i < ctx->bind_cap; i++) {
    const t_cel_binding *b = &ctx->binds[i];
    if (!b->name.ptr) continue;
    size_t j = b->hash & (ncap - 1);
    while (nb[j].name.ptr) j = (j + 1) & (ncap - 1);
    nb[j] = *b;
  }
  t_free(&ctx->alloc, ctx->binds, ctx->bind_cap * sizeof *nb);
  ctx->binds = nb;
  ctx->bind_cap = ncap;
  return true;
}

tally_status tally_cel_context_bind(tally_cel_context *ctx, const char *name, size_t len, const tally_cel_value *value,
                                    tally_error *err) {
  if (!value) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory (or an invalid value)");
  if (len == 0) return t_error_set(err, TALLY_ERR_USAGE, "empty variable name");
  t_str key = {name, len};
  /*
  ** Variables are usually bound in the order they were declared: the
  ** declaration after the last one bound is tried before hashing the name.
  */
  int32_t d = -1;
  uint32_t g = ctx->bind_next;
  if (g < ctx->nslots) {
    t_str decl = ctx->env->decls.items[g];
    if (decl.len == len && t_cel_bytes_eq(decl.ptr, name, len)) d = (int32_t)g;
  }
  uint32_t h = 0;
  if (d < 0) {
    h = t_cel_hash_name(key);
    d = api__slot(ctx, key, h);
  }
  if (d >= 0) {
    ctx->slots[d] = *value;
    ctx->bound[d >> 6] |= (uint64_t)1 << (d & 63);
    ctx->bind_next = (uint32_t)d + 1;
    return TALLY_OK;
  }
  if ((ctx->nbinds + 1) * 2 > ctx->bind_cap && !api__grow_binds(ctx))
    return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  size_t mask = ctx->bind_cap - 1, i = h & mask;
  for (; ctx->binds[i].name.ptr; i = (i + 1) & mask) {
    if (ctx->binds[i].hash == h && api__name_eq(ctx->binds[i].name, key)) {
      ctx->binds[i].value = *value;
      return TALLY_OK;
    }
  }
  char *p = t_arena_strndup(&ctx->bind_arena, name, len);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  ctx->binds[i].name = (t_str){p, len};
  ctx->binds[i].hash = h;
  ctx->binds[i].value = *value;
  ctx->nbinds++;
  return TALLY_OK;
}

tally_status tally_cel_context_bind_int(tally_cel_context *ctx, const char *name, size_t len, int64_t v,
                                        tally_error *err) {
  t_cel_val x = t_cel_int(v);
  return tally_cel_context_bind(ctx, name, len, &x, err);
}

tally_status tally_cel_context_bind_uint(tally_cel_context *ctx, const char *name, size_t len, uint64_t v,
                                         tally_error *err) {
  t_cel_val x = t_cel_uint(v);
  return tally_cel_context_bind(ctx, name, len, &x, err);
}

tally_status tally_cel_context_bind_double(tally_cel_context *ctx, const char *name, size_t len, double v,
                                           tally_error *err) {
  t_cel_val x = t_cel_double(v);
  return tally_cel_context_bind(ctx, name, len, &x, err);
}

tally_status tally_cel_context_bind_bool(tally_cel_context *ctx, const char *name, size_t len, bool v,
                                         tally_error *err) {
  t_cel_val x = t_cel_bool(v);
  return tally_cel_context_bind(ctx, name, len, &x, err);
}

tally_status tally_cel_context_bind_string(tally_cel_context *ctx, const char *name, size_t len, const char *s,
                                           size_t slen, tally_error *err) {
  if (slen > T_CEL_MAX_STR) return t_error_set(err, TALLY_ERR_LIMIT, "string too long");
  if (t_utf8_validate(s, slen) != slen) return t_error_set(err, TALLY_ERR_INPUT, "string is not valid UTF-8");
  char *p = t_arena_strndup(&ctx->bind_arena, s, slen);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  t_cel_val x = t_cel_string((t_str){p, slen});
  return tally_cel_context_bind(ctx, name, len, &x, err);
}

/*
** The JSON tree lives in a scratch arena freed on return: the context
** keeps only the values (typed_json.c copies their text).
*/
tally_status tally_cel_context_bind_json(tally_cel_context *ctx, const char *json, size_t len, bool typed,
                                         tally_error *err) {
  t_arena tree;
  t_arena_init(&tree, &ctx->alloc, len < 512 ? 2048 : 0);
  t_json *root;
  tally_status s = t_json_parse(&tree, json, len, NULL, &root, err);
  if (!s && root->type != T_JSON_OBJECT) s = t_error_set(err, TALLY_ERR_INPUT, "bindings must be a JSON object");
  for (size_t i = 0; !s && i < root->u.obj.len; i++) {
    const t_json_member *m = &root->u.obj.items[i];
    t_cel_val v;
    s = typed ? t_cel_read_typed(&ctx->bind_arena, m->value, &v, 0, err)
              : t_cel_read_plain(&ctx->bind_arena, m->value, &v, 0, err);
    if (!s) s = tally_cel_context_bind(ctx, m->key.ptr, m->key.len, &v, err);
  }
  t_arena_free(&tree);
  return s;
}

/* }====================================================== */

/*
** {======================================================
** Evaluation
** =======================================================
*/

tally_status tally_cel_eval(const tally_cel_program *prog, tally_cel_context *ctx, const tally_cel_value **out,
                            tally_error *err) {
  *out = NULL;
  /* Most evaluations allocate nothing: an arena without a chunk needs no reset call. */
  if (ctx->eval_arena.head) t_arena_reset(&ctx->eval_arena);
  ctx->eval_arena.used_total = 0;
  ctx->eval_arena.limit = prog->limits.max_eval_memory;
  ctx->eval_arena.over_limit = false;
  /*
  ** Comprehension variables live for one evaluation: a few fit on the
  ** stack, so a pre-bound context does not need memory of its own for them.
  */
  t_cel_val small_locals[16];
  t_cel_val *locals = small_locals;
  if (prog->nlocals > T_ARRAY_LEN(small_locals)) {
    if (prog->nlocals > ctx->locals_cap) {
      t_cel_val *l = t_realloc(&ctx->alloc, ctx->locals, ctx->locals_cap * sizeof(t_cel_val),
                               prog->nlocals * sizeof(t_cel_val));
      if (!l) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
      ctx->locals = l;
      ctx->locals_cap = prog->nlocals;
    }
    locals = ctx->locals;
  }
  t_cel_eval st;
  t_memset(&st, 0, sizeof st);
  st.prog = prog;
  st.ctx = ctx;
  st.ar = &ctx->eval_arena;
  st.locals = locals;
  if (ctx->env == prog->env) {
    st.slots = ctx->slots;
    st.bound = ctx->bound;
    st.nslots = ctx->nslots;
  }
  st.max_cost = prog->limits.max_cost;
  st.max_str = prog->limits.max_string_bytes;
  st.max_list = prog->limits.max_list_len;
  t_cel_val v = t_cel_eval_node(&st, prog->root, 0);
  if (st.failed) v = st.fatal;
  if (v.kind == T_CEL_V_ERROR) {
    const t_cel_err *e = v.u.err;
    return t_error_at(err, e->code, prog->source, prog->source_len, e->offset, "%s", e->message);
  }
  ctx->result = v;
  *out = &ctx->result;
  return TALLY_OK;
}

tally_cel_type tally_cel_value_type(const tally_cel_value *v) { return (tally_cel_type)v->kind; }
bool tally_cel_value_get_bool(const tally_cel_value *v) { return v->kind == T_CEL_V_BOOL && v->u.b; }
int64_t tally_cel_value_get_int(const tally_cel_value *v) { return v->kind == T_CEL_V_INT ? v->u.i : 0; }
uint64_t tally_cel_value_get_uint(const tally_cel_value *v) { return v->kind == T_CEL_V_UINT ? v->u.u : 0; }
double tally_cel_value_get_double(const tally_cel_value *v) { return v->kind == T_CEL_V_DOUBLE ? v->u.d : 0.0; }

const char *tally_cel_value_get_string(const tally_cel_value *v, size_t *len) {
  if (v->kind == T_CEL_V_STRING || v->kind == T_CEL_V_BYTES) {
    if (len) *len = t_cel_sv(*v).len;
    return t_cel_sv(*v).ptr;
  }
  if (v->kind == T_CEL_V_TYPE) {
    if (len) *len = t_strlen(v->u.type);
    return v->u.type;
  }
  if (len) *len = 0;
  return NULL;
}

void tally_cel_value_get_time(const tally_cel_value *v, int64_t *sec, int32_t *nsec) {
  *sec = 0;
  *nsec = 0;
  if (v->kind == T_CEL_V_TIMESTAMP) {
    *sec = t_cel_tsv(*v).sec;
    *nsec = t_cel_tsv(*v).nsec;
  } else if (v->kind == T_CEL_V_DURATION) {
    *sec = t_dur_to_nanos(t_cel_durv(*v));
  }
}

size_t tally_cel_value_size(const tally_cel_value *v) {
  if (v->kind == T_CEL_V_LIST) return v->u.l->len;
  if (v->kind == T_CEL_V_MAP) return v->u.m->len;
  return 0;
}

const tally_cel_value *tally_cel_list_get(const tally_cel_value *list, size_t i) {
  if (list->kind != T_CEL_V_LIST || i >= list->u.l->len) return NULL;
  return &list->u.l->items[i];
}

void tally_cel_map_entry(const tally_cel_value *map, size_t i, const tally_cel_value **key,
                         const tally_cel_value **val) {
  *key = *val = NULL;
  if (map->kind != T_CEL_V_MAP || i >= map->u.m->len) return;
  *key = &map->u.m->keys[i];
  *val = &map->u.m->vals[i];
}

tally_status tally_cel_value_to_json(tally_cel_context *ctx, const tally_cel_value *v, const char **out, size_t *len,
                                     tally_error *err) {
  t_buf b;
  t_buf_init(&b, &ctx->alloc);
  bool ok = t_cel_write_typed(&b, *v, 0);
  if (!ok || b.failed) {
    t_buf_free(&b);
    return ok ? t_error_set(err, TALLY_ERR_NOMEM, "out of memory")
              : t_error_set(err, TALLY_ERR_LIMIT, "value nests too deeply");
  }
  char *p = t_arena_strndup(&ctx->eval_arena, b.ptr ? b.ptr : "", b.len);
  size_t n = b.len;
  t_buf_free(&b);
  if (!p) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  *out = p;
  if (len) *len = n;
  return TALLY_OK;
}

/* }====================================================== */
