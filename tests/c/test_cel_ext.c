/*
** test_cel_ext.c - cel-go's extension libraries through the public API:
** network values (Go's netip parsing and text, predicates, containment),
** strings, math, encoders, optionals, bindings and blocks; libraries
** enabled and disabled per env; typed JSON of ip and cidr values; failed
** allocations and no leaks.
*/
#include "check_cel.h"
#include "tally/cel_check.h"

static check_alloc counter;
static tally_allocator alloc;
static tally_cel_env *env;
static tally_cel_context *ctx;
static tally_error err;
static char got[4096];

/* "value json" or "ERR kind message" */
static const char *eval_in(tally_cel_env *e, const char *src) {
  return check_cel_eval(e, ctx, src, 0, &err, got, sizeof got);
}

static const char *eval(const char *src) { return eval_in(env, src); }

#define TRUE_ "{\"type\":\"bool\",\"value\":true}"
#define FALSE_ "{\"type\":\"bool\",\"value\":false}"
#define STR_(s) "{\"type\":\"string\",\"value\":\"" s "\"}"
#define INT_(s) "{\"type\":\"int\",\"value\":\"" s "\"}"

static void test_network_parse(void) {
  /* Go's netip text: RFC 5952 compression, lower case, first longest zero run */
  CHECK_STR(eval("string(ip('2001:DB8:0:0:1:0:0:1'))"), STR_("2001:db8::1:0:0:1"));
  CHECK_STR(eval("string(ip('2001:db8:0:1:1:1:1:1'))"), STR_("2001:db8:0:1:1:1:1:1"));
  CHECK_STR(eval("string(ip('0:0:0:0:0:0:0:0'))"), STR_("::"));
  CHECK_STR(eval("string(ip('fe80::0001'))"), STR_("fe80::1"));
  CHECK_STR(eval("string(ip('1:2:3:4:5:6:7::'))"), STR_("1:2:3:4:5:6:7:0"));
  CHECK_STR(eval("string(ip('::1.2.3.4'))"), STR_("::102:304"));
  CHECK_STR(eval("string(ip('::ffff:c0a8:1'))"), STR_("192.168.0.1"));
  CHECK_STR(eval("ip.isCanonical('2001:db8::68')"), TRUE_);
  CHECK_STR(eval("ip.isCanonical('2001:db8:0::68')"), FALSE_);
  /* rejected forms */
  const char *bad[] = {"1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1..2.3", "", "1.2.3.4 ", ":1", "1:",
                       "1:2:3:4:5:6:7:8:9", "12345::", "2001::db8::1", "::g", "1:2:3:4:5:6:7:8::", "::1.2.3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char src[128];
    snprintf(src, sizeof src, "isIP('%s')", bad[i]);
    CHECK_STR(eval(src), FALSE_);
  }
  CHECK_STR(eval("ip('fe80::1%en0')"), "ERR eval IP address 'fe80::1%en0' with zone value is not allowed");
  CHECK_STR(eval("ip('::ffff:1.2.3.4')"), "ERR eval IPv4-mapped IPv6 address '::ffff:1.2.3.4' is not allowed");
  CHECK_STR(eval("ip('1.2.3')"), "ERR eval IP Address '1.2.3' parse error during conversion from string");
  CHECK_STR(eval("isCIDR('10.0.0.0/8')"), TRUE_);
  CHECK_STR(eval("isCIDR('10.0.0.0/33')"), FALSE_);
  CHECK_STR(eval("isCIDR('10.0.0.0/08')"), FALSE_);
  CHECK_STR(eval("isCIDR('10.0.0.0')"), FALSE_);
  CHECK_STR(eval("isCIDR('::/0')"), TRUE_);
  CHECK_STR(eval("isCIDR('::/129')"), FALSE_);
}

static void test_network_ops(void) {
  CHECK_STR(eval("cidr('203.0.113.0/24').containsIP('203.0.113.255')"), TRUE_);
  CHECK_STR(eval("cidr('203.0.113.0/24').containsIP('203.0.114.0')"), FALSE_);
  CHECK_STR(eval("cidr('0.0.0.0/0').containsIP(ip('8.8.8.8'))"), TRUE_);
  CHECK_STR(eval("cidr('0.0.0.0/0').containsIP(ip('::1'))"), FALSE_);
  CHECK_STR(eval("cidr('10.1.2.3/13').masked() == cidr('10.0.0.0/13')"), TRUE_);
  CHECK_STR(eval("string(cidr('2001:db8:abcd::1/35').masked())"), STR_("2001:db8:a000::/35"));
  CHECK_STR(eval("cidr('10.0.0.0/8').isMask()"), TRUE_);
  CHECK_STR(eval("cidr('10.0.0.1/8').isMask()"), FALSE_);
  CHECK_STR(eval("cidr('10.0.0.0/8').containsCIDR('10.0.0.0/7')"), FALSE_);
  CHECK_STR(eval("cidr('10.0.0.0/8').containsCIDR('10.255.0.0/16')"), TRUE_);
  CHECK_STR(eval("cidr('10.0.0.0/8').containsIP('bogus')"),
            "ERR eval IP Address 'bogus' parse error during conversion from string");
  CHECK_STR(eval("ip('10.0.0.1').isGlobalUnicast()"), TRUE_);
  CHECK_STR(eval("ip('224.0.0.1').isGlobalUnicast()"), FALSE_);
  CHECK_STR(eval("ip('fe80::1').isGlobalUnicast()"), FALSE_);
  CHECK_STR(eval("ip('169.254.1.1').isLinkLocalUnicast()"), TRUE_);
  CHECK_STR(eval("ip('ff02::2').isLinkLocalMulticast()"), TRUE_);
  CHECK_STR(eval("ip('127.255.0.1').isLoopback()"), TRUE_);
  CHECK_STR(eval("cidr('192.168.0.0/16').ip().family()"), INT_("4"));
  CHECK_STR(eval("type(ip('::1')) == net.IP && type(cidr('::1/128')) == net.CIDR"), TRUE_);
  CHECK_STR(eval("ip('10.0.0.1') == ip('10.0.0.1') && ip('10.0.0.1') != ip('10.0.0.2')"), TRUE_);
  CHECK_STR(eval("[ip('::1'), cidr('10.0.0.0/8')]"),
            "{\"type\":\"list\",\"value\":[{\"type\":\"net.IP\",\"value\":\"::1\"},"
            "{\"type\":\"net.CIDR\",\"value\":\"10.0.0.0/8\"}]}");
  CHECK_STR(eval("'%s'.format([ip('::1')])"), STR_("::1"));
  /* a typed binding of an ip, as typed JSON carries it */
  tally_cel_env_declare(env, "addr", 4, &err);
  const char *good = "{\"addr\":{\"type\":\"net.IP\",\"value\":\"10.9.8.7\"}}";
  const char *bad = "{\"addr\":{\"type\":\"net.IP\",\"value\":\"10.9.8\"}}";
  CHECK_INT(tally_cel_context_bind_json(ctx, good, strlen(good), true, &err), TALLY_OK);
  CHECK_STR(eval("cidr('10.0.0.0/8').containsIP(addr)"), TRUE_);
  tally_cel_context_clear(ctx);
  CHECK_INT(tally_cel_context_bind_json(ctx, bad, strlen(bad), true, &err), TALLY_ERR_INPUT);
  tally_cel_context_clear(ctx);
}

static void test_strings(void) {
  CHECK_STR(eval("'héllo wörld'.indexOf('ö')"), INT_("7"));
  CHECK_STR(eval("'héllo'.charAt(1)"), STR_("é"));
  CHECK_STR(eval("'a,b,,c'.split(',')"),
            "{\"type\":\"list\",\"value\":[" STR_("a") "," STR_("b") "," STR_("") "," STR_("c") "]}");
  CHECK_STR(eval("'a,b,c'.split(',', 2)"), "{\"type\":\"list\",\"value\":[" STR_("a") "," STR_("b,c") "]}");
  CHECK_STR(eval("'héy'.split('')"), "{\"type\":\"list\",\"value\":[" STR_("h") "," STR_("é") "," STR_("y") "]}");
  CHECK_STR(eval("'abc'.replace('', '-')"), STR_("-a-b-c-"));
  CHECK_STR(eval("'aaa'.replace('a', 'b', 2)"), STR_("bba"));
  CHECK_STR(eval("'  x  '.trim() + '|'"), STR_("x|"));
  CHECK_STR(eval("'héllo'.reverse()"), STR_("olléh"));
  CHECK_STR(eval("'Ünï'.upperAscii()"), STR_("ÜNï"));
  CHECK_STR(eval("'%d%% %.2f %e %x %X %o %b %s'.format([-7, 2.345, 12345.678, -255, 'hi', 8, 5, [1, 'a']])"),
            STR_("-7% 2.35 1.234568e+04 -ff 6869 10 101 [1, a]"));
  CHECK_STR(eval("'%s'.format([1e20])"), STR_("100000000000000000000"));
  CHECK_STR(eval("'%s %s'.format([0.000001, -0.0])"), STR_("0.000001 -0"));
  CHECK_STR(eval("'%s'.format([{'b': 1, 'a': [2.5]}])"), STR_("{a: [2.5], b: 1}"));
  CHECK_STR(eval("'%q'.format([1])"), "ERR eval could not parse formatting clause: unrecognized formatting clause \"q\"");
  CHECK_STR(eval("'%d'.format([])"), "ERR eval index 0 out of range");
  CHECK_STR(eval("strings.quote('a\"b\\\\c\\n')"), STR_("\\\"a\\\\\\\"b\\\\\\\\c\\\\n\\\""));
  CHECK_STR(eval("'abc'.substring(2, 1)"), "ERR eval invalid substring range. start: 2, end: 1");
  CHECK_STR(eval("'abc'.lastIndexOf('c', 1)"), INT_("-1"));
  CHECK_STR(eval("['a', 'b'].join(', ')"), STR_("a, b"));
  CHECK_STR(eval("[1].join()"), "ERR eval no matching overload for 'join' applied to '(list)'");
}

static void test_math(void) {
  CHECK_STR(eval("math.greatest(1, 2u, 3.5)"), "{\"type\":\"double\",\"value\":3.5}");
  CHECK_STR(eval("math.least([3, 1u, -4.5])"), "{\"type\":\"double\",\"value\":-4.5}");
  CHECK_STR(eval("math.greatest([])"), "ERR eval math.@max(list) argument must not be empty");
  CHECK_STR(eval("math.ceil(-1.5)"), "{\"type\":\"double\",\"value\":-1}");
  CHECK_STR(eval("math.floor(-1.5)"), "{\"type\":\"double\",\"value\":-2}");
  CHECK_STR(eval("math.round(2.5) == 3.0 && math.round(-2.5) == -3.0 && math.round(0.49999999999999994) == 0.0"), TRUE_);
  CHECK_STR(eval("math.trunc(-0.5)"), "{\"type\":\"double\",\"value\":-0}");
  CHECK_STR(eval("math.round(1e300) == 1e300 && math.isNaN(math.ceil(0.0/0.0))"), TRUE_);
  CHECK_STR(eval("math.sqrt(2.0)"), "{\"type\":\"double\",\"value\":1.4142135623730951}");
  CHECK_STR(eval("math.sqrt(16) == 4.0 && math.sqrt(5e-324) > 0.0 && math.isNaN(math.sqrt(-1))"), TRUE_);
  CHECK_STR(eval("math.abs(-9223372036854775807)"), INT_("9223372036854775807"));
  CHECK_STR(eval("math.abs(-9223372036854775808)"), "ERR eval integer overflow");
  CHECK_STR(eval("math.bitShiftRight(-1, 60)"), INT_("15"));
  CHECK_STR(eval("math.bitShiftLeft(1, 64)"), INT_("0"));
  CHECK_STR(eval("math.bitShiftLeft(1, -1)"), "ERR eval math.bitShiftLeft() negative offset: -1");
  CHECK_STR(eval("math.bitAnd(12, 10) + math.bitOr(12, 10) + math.bitXor(12, 10) + math.bitNot(0)"), INT_("27"));
  CHECK_STR(eval("math.sign(-3.5) == -1.0 && math.sign(0u) == 0u && math.isInf(-1.0/0.0) && !math.isFinite(1.0/0.0)"),
            TRUE_);
}

static void test_encoders_optionals_blocks(void) {
  CHECK_STR(eval("base64.encode(b'\\x00\\xff')"), STR_("AP8="));
  CHECK_STR(eval("base64.decode('AP8') == b'\\x00\\xff'"), TRUE_);
  CHECK(strncmp(eval("base64.decode('A===')"), "ERR eval illegal base64 data", 28) == 0);
  CHECK_STR(eval("{'a': 1}.?b.orValue(2) + {'a': 1}.?a.orValue(0)"), INT_("3"));
  CHECK_STR(eval("[1, ?optional.none(), ?optional.of(2)]"),
            "{\"type\":\"list\",\"value\":[" INT_("1") "," INT_("2") "]}");
  CHECK_STR(eval("{?'a': optional.none(), 'b': 1}"), "{\"type\":\"map\",\"value\":[[" STR_("b") "," INT_("1") "]]}");
  CHECK_STR(eval("optional.none().value()"), "ERR eval optional.none() dereference");
  CHECK_STR(eval("optional.of(5)"), "{\"type\":\"optional\",\"value\":" INT_("5") "}");
  CHECK_STR(eval("[1, 2][?5].hasValue() || [1, 2][?1] != optional.of(2)"), FALSE_);
  CHECK_STR(eval("optional.of({'a': {'b': 1}}).a.b.value()"), INT_("1"));
  CHECK_STR(eval("[7, 8].first().value() + [7, 8].last().value()"), INT_("15"));
  CHECK_STR(eval("cel.bind(x, 2, x * x)"), INT_("4"));
  CHECK_STR(eval("cel.block([1, cel.index(0) + 1, [cel.index(1)]], cel.index(2)[0] * 10)"), INT_("20"));
  CHECK_STR(eval("cel.index(0)"), "ERR check cel.index() outside of its cel.block");
}

static void test_libraries(void) {
  tally_cel_env *plain;
  CHECK_INT(tally_cel_env_new(&alloc, &plain), TALLY_OK);
  CHECK(strncmp(eval_in(plain, "ip('1.2.3.4')"), "ERR check undeclared reference to 'ip'", 38) == 0);
  CHECK(strncmp(eval_in(plain, "{}.?a"), "ERR check optional syntax needs", 31) == 0);
  CHECK_INT(tally_cel_env_enable(plain, TALLY_CEL_LIB_NETWORK, &err), TALLY_OK);
  CHECK_STR(eval_in(plain, "isIP('1.2.3.4')"), TRUE_);
  CHECK(strncmp(eval_in(plain, "'a'.upperAscii()"), "ERR check", 9) == 0);
  CHECK(strncmp(eval_in(plain, "math.abs(-1)"), "ERR check", 9) == 0);
  tally_cel_env_disable(plain, TALLY_CEL_LIB_NETWORK);
  CHECK(strncmp(eval_in(plain, "isIP('1.2.3.4')"), "ERR check", 9) == 0);
  CHECK_INT(tally_cel_env_enable(plain, 0x1000u, &err), TALLY_ERR_USAGE);
  tally_cel_env_free(plain);
}

/* The checker knows the network functions and types, and cel.block. */
static const char *check_type(tally_cel_checker *chk, const char *src) {
  tally_cel_check_result *res = NULL;
  tally_status s = tally_cel_check(chk, src, strlen(src), NULL, &res, &err);
  if (s == TALLY_OK) snprintf(got, sizeof got, "%s", tally_cel_check_result_type(res));
  else snprintf(got, sizeof got, "ERR %s", err.message);
  tally_cel_check_result_free(res);
  return got;
}

static void test_checker(void) {
  tally_cel_checker *chk;
  CHECK_INT(tally_cel_checker_new(&alloc, &chk), TALLY_OK);
  CHECK_INT(tally_cel_checker_declare(chk, "ip", "string", &err), TALLY_OK);
  CHECK_STR(check_type(chk, "cidr('10.0.0.0/8').containsIP(ip)"), "bool");
  CHECK_STR(check_type(chk, "ip(ip)"), "net.IP");
  CHECK_STR(check_type(chk, "cidr(ip).masked()"), "net.CIDR");
  CHECK_STR(check_type(chk, "ip(ip).family() + cidr(ip).prefixLength()"), "int");
  CHECK_STR(check_type(chk, "isIP(cidr(ip))"), "ERR found no matching overload for 'isIP' applied to '(net.CIDR)'");
  CHECK_STR(check_type(chk, "cel.block([ip, size(cel.index(0))], cel.index(1) + 1)"), "int");
  CHECK_STR(check_type(chk, "cel.block([ip], cel.index(1))"), "ERR cel.index() outside of its cel.block");
  tally_cel_checker_free(chk);
}

/* Every allocation of compile and eval may fail: a clean NOMEM, nothing leaked. */
static void test_nomem(void) {
  static const char *const srcs[] = {
    "cidr('10.0.0.0/8').containsIP(ip(x)) && ip(x).family() == 4",
    "'%s-%d-%.2f'.format([x.split('.'), 1, 2.5]).upperAscii().replace('-', '+')",
    "{?'a': x.split('.').first(), 'b': [?optional.none()]}",
    "cel.block([x.split('.'), size(cel.index(0))], math.greatest(cel.index(1), 2))",
  };
  for (size_t s = 0; s < sizeof srcs / sizeof srcs[0]; s++) {
    bool finished = false;
    for (size_t fail = 1; fail < 400 && !finished; fail++) {
      check_alloc c = {0, 0, 0, 0};
      tally_allocator a = check_allocator(&c);
      tally_cel_env *e = NULL;
      tally_cel_context *cx = NULL;
      tally_cel_program *p = NULL;
      tally_status st = tally_cel_env_new(&a, &e);
      if (!st) st = tally_cel_env_enable(e, TALLY_CEL_LIB_EXTENSIONS, &err);
      if (!st) st = tally_cel_env_declare(e, "x", 1, &err);
      if (!st) st = tally_cel_context_new(&a, &cx);
      c.fail_at = c.calls + fail;
      if (!st) st = tally_cel_context_bind_string(cx, "x", 1, "10.1.2.3", 8, &err);
      if (!st) st = tally_cel_compile(e, srcs[s], strlen(srcs[s]), &p, &err);
      const tally_cel_value *v;
      if (!st) st = tally_cel_eval(p, cx, &v, &err);
      bool done = st == TALLY_OK;
      CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
      tally_cel_program_free(p);
      tally_cel_context_free(cx);
      tally_cel_env_free(e);
      CHECK_INT(c.live_blocks, 0);
      finished = done;
    }
    CHECK(finished);
  }
}

int main(void) {
  alloc = check_allocator(&counter);
  tally_cel_env_new(&alloc, &env);
  tally_cel_env_enable(env, TALLY_CEL_LIB_EXTENSIONS, &err);
  tally_cel_context_new(&alloc, &ctx);
  RUN(test_network_parse);
  RUN(test_network_ops);
  RUN(test_strings);
  RUN(test_math);
  RUN(test_encoders_optionals_blocks);
  RUN(test_libraries);
  RUN(test_checker);
  RUN(test_nomem);
  tally_cel_context_free(ctx);
  tally_cel_env_free(env);
  CHECK_INT(counter.live_blocks, 0);
  return check_report("test_cel_ext");
}
