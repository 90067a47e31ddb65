/*
** cmd_ledger.c - `tally ledger balance --at T` and `tally ledger expand
** --horizon T` (spec interfaces.md, "Ledger").
**
** balance: each line is checked when it arrives (shape, then keys and
** totals in input order, through the same validator as the batch API), so
** error lines come out first and in input order; the states are computed
** at the end, one line per (customer, item) sorted by bytes.
** expand: each purchase line is expanded at once (errors come out then);
** the entries of all purchases are written at the end in time order.
** The JSON shapes live in core/ledger/ledger_json.c, shared with wasm/.
*/
#include "cmd.h"
#include "../util/error.h"
#include "../util/vec.h"
#include "../ledger/ledger_internal.h"
#include "../ledger/ledger_json.h"

static void cmd_ledger__nomem(t_cli *cli, uint64_t line_no) {
  tally_error e;
  t_error_clear(&e);
  t_error_set(&e, TALLY_ERR_NOMEM, "out of memory");
  t_cli_write_error(cli, &e, line_no, NULL);
}

/* Input errors only: RANGE (totals, digits) is shown as kind "input". */
static void cmd_ledger__error(t_cli *cli, tally_error *err, uint64_t line_no) {
  if (err->code == TALLY_ERR_RANGE) err->code = TALLY_ERR_INPUT;
  err->line = err->column = 0;
  t_cli_write_error(cli, err, line_no, NULL);
}

static tally_status cmd_ledger__time_flag(t_cli *cli, const char *flag, int64_t *out, tally_error *err) {
  t_str v;
  if (!t_cli_flag(cli, flag, &v)) return t_error_set(err, TALLY_ERR_USAGE, "%s is required", flag);
  if (t_ledger_json_int(v.ptr, v.len, out))
    return t_error_set(err, TALLY_ERR_USAGE, "%s must be an integer (milliseconds since the epoch)", flag);
  return TALLY_OK;
}

/*
** {======================================================
** ledger balance
** =======================================================
*/

typedef struct balance_state {
  int64_t at;
  t_arena strings;                 /* customer, item and key bytes of kept entries */
  T_VEC(tally_ledger_entry) entries;
  T_VEC(uint32_t) gids;
  t_ledger_groups groups;
} balance_state;

static const t_flag_spec balance_flags[] = {{"--at", T_FLAG_VALUE, true}, {NULL, T_FLAG_BOOL, false}};

static tally_status balance_start(t_cli *cli, void **state, tally_error *err) {
  int64_t at;
  tally_status st = cmd_ledger__time_flag(cli, "--at", &at, err);
  if (st) return st;
  balance_state *s = t_calloc(t_cli_alloc(cli), 1, sizeof *s);
  if (!s) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  s->at = at;
  t_arena_init(&s->strings, t_cli_alloc(cli), 65536);
  t_ledger_groups_init(&s->groups, t_cli_alloc(cli));
  *state = s;
  return TALLY_OK;
}

static void balance_destroy(t_cli *cli, void *state) {
  balance_state *s = state;
  if (!s) return;
  const tally_allocator *a = t_cli_alloc(cli);
  t_arena_free(&s->strings);
  t_vec_free(a, &s->entries);
  t_vec_free(a, &s->gids);
  t_ledger_groups_free(&s->groups);
  t_free(a, s, sizeof *s);
}

static void balance_line(t_cli *cli, void *state, const t_json *value, const char *text, size_t len,
                         uint64_t line_no) {
  (void)text, (void)len;
  balance_state *s = state;
  const tally_allocator *a = t_cli_alloc(cli);
  tally_ledger_entry e;
  tally_error err;
  t_error_clear(&err);
  if (t_ledger_json_entry(value, true, &e, &err)) {
    cmd_ledger__error(cli, &err, line_no);
    return;
  }
  if (!t_vec_reserve(a, &s->entries, 1) || !t_vec_reserve(a, &s->gids, 1)) goto nomem;
  /* the candidate sits at the end of the array while it is checked */
  s->entries.items[s->entries.len] = e;
  uint32_t gid;
  tally_status st = t_ledger_groups_add(&s->groups, s->entries.items, s->entries.len, &gid, &err);
  if (st == TALLY_ERR_NOMEM) goto nomem;
  if (st) {
    cmd_ledger__error(cli, &err, line_no);
    return;
  }
  if (gid == T_LEDGER_DUPLICATE) return;
  /*
  ** Accepted: keep its strings (the line's JSON tree goes away). The group
  ** remembers the names of its first entry, so those must be the kept
  ** copies; later entries of the group share them.
  */
  tally_ledger_entry *x = &s->entries.items[s->entries.len];
  t_ledger_group *g = &s->groups.groups[gid];
  bool first = g->count == 1;
  x->customer = first ? t_arena_strndup(&s->strings, e.customer, e.customer_len) : g->customer;
  x->item = first ? t_arena_strndup(&s->strings, e.item, e.item_len) : g->item;
  if (e.key) x->key = t_arena_strndup(&s->strings, e.key, e.key_len);
  if (!x->customer || !x->item || (e.key && !x->key)) goto nomem;
  if (first) {
    g->customer = x->customer;
    g->item = x->item;
  }
  s->entries.len++;
  s->gids.items[s->gids.len++] = gid;
  return;
nomem:
  cmd_ledger__nomem(cli, line_no);
}

static void balance_finish(t_cli *cli, void *state) {
  balance_state *s = state;
  tally_ledger_balances bal;
  t_memset(&bal, 0, sizeof bal);
  bal.alloc_ = *t_cli_alloc(cli);
  tally_error err;
  t_error_clear(&err);
  if (t_ledger_groups_compute(&s->groups, s->entries.items, s->gids.items, s->entries.len, s->at, &bal, &err)) {
    t_cli_write_error(cli, &err, 0, NULL);
    return;
  }
  t_buf *b = t_cli_out(cli);
  for (size_t i = 0; i < bal.n_results; i++) {
    const tally_ledger_result *r = &bal.results[i];
    t_buf_puts(b, "{\"customer\":");
    t_json_write_string(b, r->customer, r->customer_len);
    t_buf_puts(b, ",\"item\":");
    t_json_write_string(b, r->item, r->item_len);
    t_buf_putc(b, ',');
    t_ledger_json_write_state(b, &r->state);
    t_buf_puts(b, "}\n");
  }
  tally_ledger_balances_free(&bal);
}

const t_cmd t_cmd_ledger_balance = {"ledger balance", balance_flags, balance_start,
                                    balance_line,     balance_finish, balance_destroy};

/* } */

/*
** {======================================================
** ledger expand
** =======================================================
*/

typedef struct expand_rec {
  int64_t t;
  size_t off, len;   /* the rendered line in `lines` */
} expand_rec;

typedef struct expand_state {
  int64_t horizon;
  t_buf lines;
  t_buf scratch;
  T_VEC(expand_rec) recs;
} expand_state;

static const t_flag_spec expand_flags[] = {{"--horizon", T_FLAG_VALUE, true}, {NULL, T_FLAG_BOOL, false}};

static tally_status expand_start(t_cli *cli, void **state, tally_error *err) {
  int64_t horizon;
  tally_status st = cmd_ledger__time_flag(cli, "--horizon", &horizon, err);
  if (st) return st;
  expand_state *s = t_calloc(t_cli_alloc(cli), 1, sizeof *s);
  if (!s) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  s->horizon = horizon;
  t_buf_init(&s->lines, t_cli_alloc(cli));
  t_buf_init(&s->scratch, t_cli_alloc(cli));
  *state = s;
  return TALLY_OK;
}

static void expand_destroy(t_cli *cli, void *state) {
  expand_state *s = state;
  if (!s) return;
  t_buf_free(&s->lines);
  t_buf_free(&s->scratch);
  t_vec_free(t_cli_alloc(cli), &s->recs);
  t_free(t_cli_alloc(cli), s, sizeof *s);
}

static void expand_line(t_cli *cli, void *state, const t_json *v, const char *text, size_t len, uint64_t line_no) {
  (void)text, (void)len;
  expand_state *s = state;
  const tally_allocator *a = t_cli_alloc(cli);
  tally_ledger_purchase p;
  t_str customer, key;
  tally_error err;
  t_error_clear(&err);
  tally_status st = t_ledger_json_purchase(t_cli_line_arena(cli), v, &p, &customer, &key, &err);
  tally_ledger_grant *g = NULL;
  size_t n = 0;
  if (!st) st = tally_ledger_expand(a, &p, s->horizon, &g, &n, &err);
  if (st) {
    cmd_ledger__error(cli, &err, line_no);
    return;
  }
  if (!t_vec_reserve(a, &s->recs, n)) {
    tally_ledger_grants_free(a, g, n);
    cmd_ledger__nomem(cli, line_no);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    expand_rec *r = &s->recs.items[s->recs.len++];
    r->t = g[i].t;
    r->off = s->lines.len;
    t_ledger_json_write_grant(&s->lines, &s->scratch, customer, key, &p, &g[i]);
    t_buf_putc(&s->lines, '\n');
    r->len = s->lines.len - r->off;
  }
  tally_ledger_grants_free(a, g, n);
}

static bool expand_by_time(const void *ctx, uint32_t a, uint32_t b) {
  const expand_rec *r = ctx;
  return r[a].t < r[b].t;
}

static void expand_finish(t_cli *cli, void *state) {
  expand_state *s = state;
  const tally_allocator *a = t_cli_alloc(cli);
  size_t n = s->recs.len;
  t_buf *out = t_cli_out(cli);
  if (s->lines.failed || s->scratch.failed || n >= UINT32_MAX) goto nomem;
  uint32_t *idx = t_alloc(a, (2 * n + 1) * sizeof *idx);
  if (!idx) goto nomem;
  /* a stable sort: equal times keep input order, then the items' order */
  for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
  t_ledger_sort_u32(idx, idx + n, n, expand_by_time, s->recs.items);
  for (size_t i = 0; i < n; i++) {
    const expand_rec *r = &s->recs.items[idx[i]];
    t_buf_append(out, s->lines.ptr + r->off, r->len);
  }
  t_free(a, idx, (2 * n + 1) * sizeof *idx);
  return;
nomem:
  cmd_ledger__nomem(cli, 0);
}

const t_cmd t_cmd_ledger_expand = {"ledger expand", expand_flags, expand_start,
                                   expand_line,     expand_finish, expand_destroy};

/* } */
