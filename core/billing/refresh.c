/*
** refresh.c - refresh windows: where each window starts, which window a
** time falls in (by one multiplication, not a division per row), and the
** list of windows holding usage for the statement and the dashboards.
*/
#include "accum.h"
#include "../util/error.h"

#define T_DAY_MS 86400000LL
#define T_WEEK_MS (7 * T_DAY_MS)
/* 1970-01-01 was a Thursday: the first Monday 00:00 UTC is 4 days later. */
#define T_FIRST_MONDAY_MS (4 * T_DAY_MS)

static __int128 floor_div(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

tally_status t_bill_windows_init(t_bill_windows *w, const tally_billing_plan *plan, int64_t start, int64_t cap,
                                 tally_error *err) {
  t_memset(w, 0, sizeof *w);
  if (!plan->has_refresh) return TALLY_OK;
  int64_t len, origin;
  switch (plan->window) {
    case TALLY_BILLING_WINDOW_DAY: len = T_DAY_MS; break;
    case TALLY_BILLING_WINDOW_WEEK: len = T_WEEK_MS; break;
    case TALLY_BILLING_WINDOW_MS: len = plan->window_ms; break;
    default: return t_error_set(err, TALLY_ERR_INPUT, "plan.refresh.window: unknown window unit");
  }
  if (len < TALLY_BILLING_MIN_WINDOW_MS)
    return t_error_set(err, TALLY_ERR_INPUT, "plan.refresh.window: %lld ms is under one minute (60000 ms)",
                       (long long)len);
  if (plan->anchor == TALLY_BILLING_ANCHOR_PERIOD) origin = start;
  else if (plan->anchor == TALLY_BILLING_ANCHOR_UTC)
    origin = plan->window == TALLY_BILLING_WINDOW_WEEK ? T_FIRST_MONDAY_MS : 0;
  else return t_error_set(err, TALLY_ERR_INPUT, "plan.refresh.anchor: unknown anchor");
  __int128 base = (__int128)origin + floor_div((__int128)start - origin, len) * len;
  if (base < INT64_MIN) return t_error_set(err, TALLY_ERR_INPUT, "period.start: out of range for its windows");
  w->on = true;
  w->len = len;
  w->base = (int64_t)base;
  /* floor(2^64 / len); len >= 60000 so the quotient fits. */
  w->recip = (uint64_t)((((unsigned __int128)1) << 64) / (uint64_t)len);
  w->recip32 = ((uint64_t)1 << 32) / (uint64_t)len;
  w->count = cap > start ? (uint64_t)(((__int128)cap - 1 - base) / len) + 1 : 0;
  return TALLY_OK;
}

static bool grow_windows(tally_billing *b, size_t need) {
  if (need <= b->win_cap) return true;
  size_t cap = b->win_cap ? b->win_cap * 2 : 16;
  while (cap < need) cap *= 2;
  t_bill_win *w = t_realloc(&b->alloc, b->wins, b->win_cap * sizeof *w, cap * sizeof *w);
  if (!w) return false;
  b->wins = w;
  b->win_cap = cap;
  return true;
}

/* Sparse windows come out of the hash table unordered: a heap sort keeps
** this free of recursion and of extra memory. */
static void sift(t_bill_win *w, size_t i, size_t n) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && w[c + 1].start > w[c].start) c++;
    if (w[i].start >= w[c].start) return;
    t_bill_win tmp = w[i]; w[i] = w[c]; w[c] = tmp;
    i = c;
  }
}

static void sort_windows(t_bill_win *w, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift(w, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    t_bill_win tmp = w[0]; w[0] = w[end]; w[end] = tmp;
    sift(w, 0, end);
  }
}

/* The start of window idx: inside [base, cap), so it fits; the product may
** not fit int64 on the way when base is negative, hence unsigned wrapping. */
static int64_t window_start(const t_bill_windows *w, uint64_t idx) {
  return (int64_t)((uint64_t)w->base + idx * (uint64_t)w->len);
}

tally_status t_bill_collect_windows(tally_billing *b, tally_error *err) {
  b->n_win = 0;
  if (!b->win.on) return TALLY_OK;
  size_t n = 0;
  if (b->wsum) {
    for (uint64_t i = 0; i < b->win.count; i++) n += b->wtouched[i];
  } else {
    n = b->wslot_len;
  }
  if (!grow_windows(b, n)) return t_error_set(err, TALLY_ERR_NOMEM, "out of memory");
  size_t k = 0;
  if (b->wsum) {
    for (uint64_t i = 0; i < b->win.count; i++) {
      if (!b->wtouched[i]) continue;
      b->wins[k].start = window_start(&b->win, i);
      b->wins[k++].usage = b->wsum[i];
    }
  } else {
    for (size_t i = 0; i < b->wslot_cap; i++) {
      if (!b->wslots[i].idx) continue;
      b->wins[k].start = window_start(&b->win, b->wslots[i].idx - 1);
      b->wins[k++].usage = b->wslots[i].sum;
    }
    sort_windows(b->wins, k);
  }
  b->n_win = k;
  return TALLY_OK;
}
