/*
** ext_network.c - cel-go's network extension: ip() and cidr() values for
** IPv4 and IPv6 with Go's net/netip parsing and text, the address
** predicates, and prefix containment ("reject sign-ups from
** 203.0.113.0/24": cidr('203.0.113.0/24').containsIP(ip)).
**
** An address is 16 bytes (an IPv4 address in the first 4, the rest zero,
** so that equality is one comparison). As in the conformance suite, a
** v4-mapped IPv6 address written in hex ("::ffff:c0a8:1") is the IPv4
** address, while the dotted mapped form ("::ffff:192.168.0.1") is
** rejected like cel-go rejects every mapped address; zones are rejected.
*/
#include "cel/ext.h"

typedef struct net__addr {
  uint8_t b[16];
  int family;                /* 4 or 6 */
} net__addr;

typedef enum net__err {
  NET_OK,
  NET_BAD,                   /* not an address */
  NET_ZONE,                  /* fe80::1%en0 */
  NET_MAPPED                 /* ::ffff:1.2.3.4 */
} net__err;

/*
** {======================================================
** Parsing (Go's netip.ParseAddr / ParsePrefix)
** =======================================================
*/

/* Dotted quad: four decimal fields 0..255 without leading zeros. */
static bool net__parse4(const char *s, size_t len, uint8_t out[4]) {
  size_t i = 0;
  for (int f = 0; f < 4; f++) {
    if (f > 0) {
      if (i >= len || s[i] != '.') return false;
      i++;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (unsigned)(s[i] - '0');
      if (v > 255) return false;
      i++;
    }
    if (i == start || (i - start > 1 && s[start] == '0')) return false;
    out[f] = (uint8_t)v;
  }
  return i == len;
}

static int net__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* IPv6 groups with one optional "::" and an optional trailing dotted quad. */
static bool net__parse6(const char *s, size_t len, uint8_t out[16], bool *dotted) {
  size_t i = 0;
  int n = 0, ellipsis = -1;
  *dotted = false;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    i = 2;
    if (i == len) {
      t_memset(out, 0, 16);
      return true;
    }
  }
  while (i < len) {
    size_t start = i;
    unsigned v = 0;
    while (i < len && net__hex(s[i]) >= 0) {
      v = v * 16 + (unsigned)net__hex(s[i]);
      i++;
      if (i - start > 4) return false;
    }
    if (i == start) return false;
    if (i < len && s[i] == '.') {
      /* An embedded IPv4 address takes the last two groups. */
      if (n > 12) return false;
      if (!net__parse4(s + start, len - start, out + n)) return false;
      n += 4;
      *dotted = true;
      i = len;
      break;
    }
    if (n > 14) return false;
    out[n++] = (uint8_t)(v >> 8);
    out[n++] = (uint8_t)v;
    if (i == len) break;
    if (s[i] != ':') return false;
    i++;
    if (i < len && s[i] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = n;
      i++;
      if (i == len) break;
    } else if (i == len) {
      return false; /* trailing single colon */
    }
  }
  if (ellipsis >= 0) {
    if (n == 16) return false; /* "::" must stand for at least one group */
    int shift = 16 - n;
    for (int k = n - 1; k >= ellipsis; k--) out[k + shift] = out[k];
    for (int k = ellipsis; k < ellipsis + shift; k++) out[k] = 0;
  } else if (n != 16) {
    return false;
  }
  return true;
}

static bool net__is_mapped(const uint8_t b[16]) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return t_memcmp(b, prefix, 12) == 0;
}

static net__err net__parse_addr(t_str s, net__addr *a, bool for_cidr) {
  t_memset(a, 0, sizeof *a);
  bool colon = false;
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] == '%') return colon ? NET_ZONE : NET_BAD;
    if (s.ptr[i] == ':') colon = true;
  }
  if (!colon) {
    if (!net__parse4(s.ptr, s.len, a->b)) return NET_BAD;
    a->family = 4;
    return NET_OK;
  }
  bool dotted;
  if (!net__parse6(s.ptr, s.len, a->b, &dotted)) return NET_BAD;
  a->family = 6;
  if (net__is_mapped(a->b)) {
    if (dotted || for_cidr) return NET_MAPPED;
    t_memmove(a->b, a->b + 12, 4);
    t_memset(a->b + 4, 0, 12);
    a->family = 4;
  }
  return NET_OK;
}

static net__err net__parse_prefix(t_str s, net__addr *a, int *bits) {
  size_t slash = s.len;
  while (slash > 0 && s.ptr[slash - 1] != '/') slash--;
  if (slash == 0) return NET_BAD;
  t_str addr = {s.ptr, slash - 1}, num = {s.ptr + slash, s.len - slash};
  net__err e = net__parse_addr(addr, a, true);
  if (e) return e;
  if (num.len == 0 || num.len > 3 || (num.len > 1 && num.ptr[0] == '0')) return NET_BAD;
  int v = 0;
  for (size_t i = 0; i < num.len; i++) {
    if (num.ptr[i] < '0' || num.ptr[i] > '9') return NET_BAD;
    v = v * 10 + (num.ptr[i] - '0');
  }
  if (v > (a->family == 4 ? 32 : 128)) return NET_BAD;
  *bits = v;
  return NET_OK;
}

/* }====================================================== */

/*
** {======================================================
** Values and text
** =======================================================
*/

static t_cel_val net__value(t_arena *ar, bool cidr, const net__addr *a, int bits) {
  t_cel_val v;
  uint8_t *p = t_arena_alloc(ar, 16);
  if (!p) {
    v.kind = T_CEL_V_NULL;
    v.u.s = NULL;
    return v;
  }
  t_memcpy(p, a->b, 16);
  v.kind = cidr ? T_CEL_V_CIDR : T_CEL_V_IP;
  v.aux = (uint32_t)a->family | (cidr ? (uint32_t)bits << 8 : 0);
  v.u.s = (const char *)p;
  return v;
}

static net__addr net__addr_of(t_cel_val v) {
  net__addr a;
  t_memcpy(a.b, v.u.s, 16);
  a.family = (int)(v.aux & 0xff);
  return a;
}

static int net__bits_of(t_cel_val v) { return (int)(v.aux >> 8); }

static size_t net__format_addr(const net__addr *a, char *out) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  if (a->family == 4) {
    for (int i = 0; i < 4; i++) {
      if (i) out[n++] = '.';
      n += t_fmt_u64(out + n, a->b[i]);
    }
    out[n] = 0;
    return n;
  }
  /* RFC 5952: the first longest run of two or more zero groups becomes "::". */
  unsigned g[8];
  for (int i = 0; i < 8; i++) g[i] = (unsigned)a->b[2 * i] << 8 | a->b[2 * i + 1];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i]) {
      i++;
      continue;
    }
    int j = i;
    while (j < 8 && !g[j]) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      out[n++] = ':';
      out[n++] = ':';
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out[n++] = ':';
    bool started = false;
    for (int k = 12; k >= 0; k -= 4) {
      unsigned d = (g[i] >> k) & 15;
      if (d || started || k == 0) {
        out[n++] = hex[d];
        started = true;
      }
    }
  }
  out[n] = 0;
  return n;
}

size_t t_cel_net_format(t_cel_val v, char out[T_CEL_NET_FMT_MAX]) {
  net__addr a = net__addr_of(v);
  size_t n = net__format_addr(&a, out);
  if (v.kind == T_CEL_V_CIDR) {
    out[n++] = '/';
    n += t_fmt_u64(out + n, (uint64_t)net__bits_of(v));
    out[n] = 0;
  }
  return n;
}

bool t_cel_net_equal(t_cel_val a, t_cel_val b) {
  return a.kind == b.kind && a.aux == b.aux && t_memcmp(a.u.s, b.u.s, 16) == 0;
}

bool t_cel_net_parse(t_arena *ar, bool cidr, t_str text, t_cel_val *out) {
  net__addr a;
  int bits = 0;
  if ((cidr ? net__parse_prefix(text, &a, &bits) : net__parse_addr(text, &a, false)) != NET_OK) return false;
  *out = net__value(ar, cidr, &a, bits);
  return out->u.s != NULL;
}

/* Keeps the first `bits` bits of an address. */
static void net__mask(net__addr *a, int bits) {
  for (int i = 0; i < 16; i++) {
    int keep = bits - 8 * i;
    if (keep >= 8) continue;
    a->b[i] = keep <= 0 ? 0 : (uint8_t)(a->b[i] & (0xff00u >> keep));
  }
}

static bool net__contains(const net__addr *prefix, int bits, const net__addr *ip) {
  if (prefix->family != ip->family) return false;
  net__addr p = *prefix, q = *ip;
  net__mask(&p, bits);
  net__mask(&q, bits);
  return t_memcmp(p.b, q.b, 16) == 0;
}

/* }====================================================== */

/*
** {======================================================
** Functions
** =======================================================
*/

#define BAD() return t_cel_ext_bad(st, n, a, nargs)

static t_cel_val net__parse_err(t_cel_eval *st, const t_cel_node *n, bool cidr, net__err e, t_str s) {
  int len = (int)T_MIN(s.len, 200);
  switch (e) {
  case NET_ZONE:
    return t_cel_error(st, n->offset, "%s '%.*s' with zone value is not allowed", cidr ? "CIDR" : "IP address", len,
                       s.ptr);
  case NET_MAPPED: return t_cel_error(st, n->offset, "IPv4-mapped IPv6 address '%.*s' is not allowed", len, s.ptr);
  default:
    return t_cel_error(st, n->offset, "%s '%.*s' parse error during conversion from string",
                       cidr ? "network address" : "IP Address", len, s.ptr);
  }
}

static t_cel_val net__make(t_cel_eval *st, const t_cel_node *n, bool cidr, const net__addr *a, int bits) {
  t_cel_val v = net__value(st->ar, cidr, a, bits);
  if (!v.u.s) return t_cel_nomem(st, n->offset);
  return v;
}

/* ip(string) and cidr.ip() */
static t_cel_val net_ip(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind == T_CEL_V_CIDR && (n->flags & T_CEL_NODE_MEMBER)) {
    net__addr ad = net__addr_of(a[0]);
    return net__make(st, n, false, &ad, 0);
  }
  if (a[0].kind != T_CEL_V_STRING || (n->flags & T_CEL_NODE_MEMBER)) BAD();
  net__addr ad;
  net__err e = net__parse_addr(t_cel_sv(a[0]), &ad, false);
  if (e) return net__parse_err(st, n, false, e, t_cel_sv(a[0]));
  return net__make(st, n, false, &ad, 0);
}

static t_cel_val net_cidr(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  net__addr ad;
  int bits;
  net__err e = net__parse_prefix(t_cel_sv(a[0]), &ad, &bits);
  if (e) return net__parse_err(st, n, true, e, t_cel_sv(a[0]));
  return net__make(st, n, true, &ad, bits);
}

static t_cel_val net_is_ip(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  net__addr ad;
  return t_cel_bool(net__parse_addr(t_cel_sv(a[0]), &ad, false) == NET_OK);
}

static t_cel_val net_is_cidr(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  net__addr ad;
  int bits;
  return t_cel_bool(net__parse_prefix(t_cel_sv(a[0]), &ad, &bits) == NET_OK);
}

static t_cel_val net_is_canonical(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_STRING) BAD();
  net__addr ad;
  net__err e = net__parse_addr(t_cel_sv(a[0]), &ad, false);
  if (e) return net__parse_err(st, n, false, e, t_cel_sv(a[0]));
  char text[T_CEL_NET_FMT_MAX];
  size_t len = net__format_addr(&ad, text);
  return t_cel_bool(t_str_eq(t_cel_sv(a[0]), (t_str){text, len}));
}

static t_cel_val net_family(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_IP) BAD();
  return t_cel_int(net__addr_of(a[0]).family);
}

/* The predicates of Go's netip.Addr. */
static bool net__unspecified(const net__addr *a) {
  static const uint8_t zero[16] = {0};
  return t_memcmp(a->b, zero, 16) == 0;
}

static bool net__loopback(const net__addr *a) {
  if (a->family == 4) return a->b[0] == 127;
  static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return t_memcmp(a->b, one, 16) == 0;
}

static bool net__multicast(const net__addr *a) {
  return a->family == 4 ? (a->b[0] & 0xf0) == 0xe0 : a->b[0] == 0xff;
}

static bool net__ll_unicast(const net__addr *a) {
  return a->family == 4 ? a->b[0] == 169 && a->b[1] == 254 : a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

static bool net__ll_multicast(const net__addr *a) {
  return a->family == 4 ? a->b[0] == 224 && a->b[1] == 0 && a->b[2] == 0 : a->b[0] == 0xff && a->b[1] == 0x02;
}

static bool net__global_unicast(const net__addr *a) {
  if (a->family == 4 && a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255) return false;
  return !net__unspecified(a) && !net__loopback(a) && !net__multicast(a) && !net__ll_unicast(a);
}

#define NET_PREDICATE(fname, test)                                                           \
  static t_cel_val fname(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) { \
    if (a[0].kind != T_CEL_V_IP) BAD();                                                      \
    net__addr ad = net__addr_of(a[0]);                                                       \
    return t_cel_bool(test(&ad));                                                            \
  }

NET_PREDICATE(net_is_unspecified, net__unspecified)
NET_PREDICATE(net_is_loopback, net__loopback)
NET_PREDICATE(net_is_global_unicast, net__global_unicast)
NET_PREDICATE(net_is_ll_multicast, net__ll_multicast)
NET_PREDICATE(net_is_ll_unicast, net__ll_unicast)

static t_cel_val net_contains_ip(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_CIDR) BAD();
  net__addr p = net__addr_of(a[0]), ip;
  if (a[1].kind == T_CEL_V_IP) {
    ip = net__addr_of(a[1]);
  } else if (a[1].kind == T_CEL_V_STRING) {
    net__err e = net__parse_addr(t_cel_sv(a[1]), &ip, false);
    if (e) return net__parse_err(st, n, false, e, t_cel_sv(a[1]));
  } else {
    BAD();
  }
  return t_cel_bool(net__contains(&p, net__bits_of(a[0]), &ip));
}

static t_cel_val net_contains_cidr(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_CIDR) BAD();
  net__addr p = net__addr_of(a[0]), c;
  int cbits;
  if (a[1].kind == T_CEL_V_CIDR) {
    c = net__addr_of(a[1]);
    cbits = net__bits_of(a[1]);
  } else if (a[1].kind == T_CEL_V_STRING) {
    net__err e = net__parse_prefix(t_cel_sv(a[1]), &c, &cbits);
    if (e) return net__parse_err(st, n, true, e, t_cel_sv(a[1]));
  } else {
    BAD();
  }
  int pbits = net__bits_of(a[0]);
  return t_cel_bool(pbits <= cbits && net__contains(&p, pbits, &c));
}

static t_cel_val net_masked(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_CIDR) BAD();
  net__addr p = net__addr_of(a[0]);
  net__mask(&p, net__bits_of(a[0]));
  return net__make(st, n, true, &p, net__bits_of(a[0]));
}

static t_cel_val net_prefix_length(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_CIDR) BAD();
  return t_cel_int(net__bits_of(a[0]));
}

static t_cel_val net_is_mask(t_cel_eval *st, const t_cel_node *n, t_cel_val *a, size_t nargs) {
  if (a[0].kind != T_CEL_V_CIDR) BAD();
  net__addr p = net__addr_of(a[0]), m = p;
  net__mask(&m, net__bits_of(a[0]));
  return t_cel_bool(t_memcmp(p.b, m.b, 16) == 0);
}

static const t_cel_ext_fn net__fns[] = {
  {"ip", false, 1, 1, net_ip},
  {"ip", true, 0, 0, net_ip},
  {"cidr", false, 1, 1, net_cidr},
  {"isIP", false, 1, 1, net_is_ip},
  {"isCIDR", false, 1, 1, net_is_cidr},
  {"ip.isCanonical", false, 1, 1, net_is_canonical},
  {"family", true, 0, 0, net_family},
  {"isUnspecified", true, 0, 0, net_is_unspecified},
  {"isLoopback", true, 0, 0, net_is_loopback},
  {"isGlobalUnicast", true, 0, 0, net_is_global_unicast},
  {"isLinkLocalMulticast", true, 0, 0, net_is_ll_multicast},
  {"isLinkLocalUnicast", true, 0, 0, net_is_ll_unicast},
  {"containsIP", true, 1, 1, net_contains_ip},
  {"containsCIDR", true, 1, 1, net_contains_cidr},
  {"masked", true, 0, 0, net_masked},
  {"prefixLength", true, 0, 0, net_prefix_length},
  {"isMask", true, 0, 0, net_is_mask},
};

const t_cel_ext_lib t_cel_ext_network_lib = {TALLY_CEL_LIB_NETWORK, net__fns, T_ARRAY_LEN(net__fns)};

/* }====================================================== */
