/*
** test_regex.c - unit tests of the regex engine (core/regex): RE2 syntax,
** Unicode classes and case folding, empty-width assertions, refused
** constructs with their positions, limits, submatches, the eager DFA, the
** lazy DFA's cache and its NFA fallback, allocation failures and leaks
** (test_regex_dfa.c compares the three matchers on random patterns).
*/
#include "check.h"
#include "tally/regex.h"

static check_alloc counts;
static tally_allocator A;
static tally_regex_cache *cache, *tiny;

/*
** Search with the eager DFA (when the pattern's DFA is small), the lazy
** DFA (normal and tiny cache, compiled with TALLY_REGEX_LAZY) and the NFA
** alone: all must agree. Returns 1/0, or -1 when the pattern does not
** compile.
*/
static int search(const char *pat, const char *s) {
  tally_regex *re, *lazy;
  tally_error err;
  if (tally_regex_compile(&A, pat, strlen(pat), 0, &re, &err) != TALLY_OK) {
    fprintf(stderr, "  compile /%s/: %s\n", pat, err.message);
    return -1;
  }
  CHECK(tally_regex_compile(&A, pat, strlen(pat), TALLY_REGEX_LAZY, &lazy, NULL) == TALLY_OK);
  bool e = false, a = false, b = false, c = false;
  CHECK(tally_regex_search(re, NULL, s, strlen(s), &e) == TALLY_OK);
  CHECK(tally_regex_search(lazy, cache, s, strlen(s), &a) == TALLY_OK);
  CHECK(tally_regex_search(lazy, NULL, s, strlen(s), &b) == TALLY_OK);
  CHECK(tally_regex_search(lazy, tiny, s, strlen(s), &c) == TALLY_OK);
  if (a != b || a != c || a != e)
    fprintf(stderr, "  /%s/ on \"%s\": eager %d dfa %d nfa %d tiny %d\n", pat, s, e, a, b, c);
  CHECK(a == b && a == c && a == e);
  tally_regex_free(re);
  tally_regex_free(lazy);
  return a;
}

#define MATCH(p, s) CHECK_INT(search(p, s), 1)
#define NO_MATCH(p, s) CHECK_INT(search(p, s), 0)

static int full(const char *pat, const char *s) {
  tally_regex *re, *lazy;
  if (tally_regex_compile(&A, pat, strlen(pat), 0, &re, NULL) != TALLY_OK) return -1;
  CHECK(tally_regex_compile(&A, pat, strlen(pat), TALLY_REGEX_LAZY, &lazy, NULL) == TALLY_OK);
  bool e = false, a = false, b = false;
  CHECK(tally_regex_match_full(re, NULL, s, strlen(s), &e) == TALLY_OK);
  CHECK(tally_regex_match_full(lazy, cache, s, strlen(s), &a) == TALLY_OK);
  CHECK(tally_regex_match_full(lazy, NULL, s, strlen(s), &b) == TALLY_OK);
  CHECK(a == b && a == e);
  tally_regex_free(re);
  tally_regex_free(lazy);
  return a;
}

/* The spans of find as "s-e s-e ..." ("-" for an unset group), or "none". */
static const char *find(const char *pat, const char *s, size_t from) {
  static char out[TALLY_ERROR_MESSAGE_MAX + 256];
  tally_regex *re;
  tally_error err;
  if (tally_regex_compile(&A, pat, strlen(pat), 0, &re, &err) != TALLY_OK) {
    snprintf(out, sizeof out, "%s", err.message);
    return out;
  }
  tally_regex_span sp[8];
  size_t n = tally_regex_group_count(re) + 1;
  if (n > 8) n = 8;
  bool m = false;
  CHECK(tally_regex_find(re, cache, s, strlen(s), from, sp, n, &m) == TALLY_OK);
  tally_regex_free(re);
  if (!m) return "none";
  out[0] = 0;
  for (size_t i = 0; i < n; i++) {
    char one[48];
    if (sp[i].start == SIZE_MAX) snprintf(one, sizeof one, "%s-", i ? " " : "");
    else snprintf(one, sizeof one, "%s%zu-%zu", i ? " " : "", sp[i].start, sp[i].end);
    strcat(out, one);
  }
  return out;
}

/* Compiles a pattern that must fail; checks the kind, the offset and a piece of the message. */
static void refuse(const char *pat, tally_status code, size_t offset, const char *piece) {
  tally_regex *re = (tally_regex *)1;
  tally_error err;
  memset(&err, 0, sizeof err);
  tally_status st = tally_regex_compile(&A, pat, strlen(pat), 0, &re, &err);
  CHECK_INT(st, code);
  CHECK(re == NULL);
  CHECK_INT(err.offset, offset);
  if (!strstr(err.message, piece)) {
    fprintf(stderr, "  /%s/: message \"%s\" lacks \"%s\"\n", pat, err.message, piece);
    CHECK(0);
  }
  if (st == TALLY_OK) tally_regex_free(re);
}

static void test_literals_and_escapes(void) {
  MATCH("abc", "xxabcxx");
  NO_MATCH("abc", "ab");
  MATCH("", "");
  MATCH("a\\.b", "a.b");
  NO_MATCH("a\\.b", "axb");
  MATCH("\\x41\\x{42}\\103", "ABC");
  MATCH("\\x{263a}", "\xe2\x98\xba");
  MATCH("\\t\\n\\r\\f\\v\\a", "\t\n\r\f\v\a");
  {
    tally_regex *re;
    bool m = false;
    CHECK(tally_regex_compile(&A, "a\\0b", 4, 0, &re, NULL) == TALLY_OK);
    CHECK(tally_regex_search(re, cache, "xa\0b", 4, &m) == TALLY_OK && m);   /* NUL is an ordinary character */
    tally_regex_free(re);
    CHECK(tally_regex_compile(&A, "a\0b", 3, 0, &re, NULL) == TALLY_OK);
    CHECK(tally_regex_match_full(re, NULL, "a\0b", 3, &m) == TALLY_OK && m);
    tally_regex_free(re);
  }
  MATCH("\\Q.*+\\E", "a.*+b");
  NO_MATCH("\\Q.*\\E", "ab");
  MATCH("\\Qab\\E+", "abbb");
  CHECK_STR(find("\\Qab\\E+", "xabbb", 0), "1-5");
  MATCH("\\-\\_\\~\\ ", "-_~ ");
  MATCH("日本", "こんにちは日本語");
  MATCH("a{", "a{");
  MATCH("a{,2}", "a{,2}");
  MATCH("a{01}", "a{01}");
  CHECK_INT(full("x{2}", "xx"), 1);
  CHECK_INT(full("x{2,}", "xxxx"), 1);
  CHECK_INT(full("x{2,3}", "xxxx"), 0);
  CHECK_INT(full("x{0}", ""), 1);
}

static void test_classes(void) {
  MATCH("[abc]", "xbx");
  NO_MATCH("[abc]", "xyz");
  MATCH("[^abc]", "abcd");
  NO_MATCH("[^abc]", "abc");
  MATCH("[^a]", "\n");
  MATCH("[a-c]+$", "xxabc");
  MATCH("[]a]", "]");
  MATCH("[^]a]", "b");
  MATCH("[a-]", "-");
  MATCH("[a-b-c]", "-");
  MATCH("[\\d]", "5");
  MATCH("[\\D]", "x");
  NO_MATCH("^[\\w]+$", "ab-c");
  MATCH("^\\w+$", "ab_c9");
  MATCH("^\\s+$", " \t\n\f\r");
  NO_MATCH("\\s", "\v");   /* RE2: \s is [\t\n\f\r ] */
  NO_MATCH("\\d", "\xd9\xa3"); /* Arabic-Indic three: \d is ASCII */
  NO_MATCH("\\w", "\xc3\xa9");
  MATCH("\\W", "\xc3\xa9");
  MATCH("[[:alpha:]]", "x");
  NO_MATCH("[[:alpha:]]", "1");
  MATCH("[[:^alpha:]]", "1");
  MATCH("^[[:xdigit:]]+$", "09afAF");
  MATCH("^[[:punct:]]+$", "!/:@[`{~");
  MATCH("[[:space:]]", "\v");
  MATCH("[[:word:][:digit:]]", "_");
  MATCH("[[a]", "[");
  MATCH(".", "\xe2\x98\xba");
  CHECK_INT(full(".", "\xe2\x98\xba"), 1);        /* one code point, three bytes */
  CHECK_INT(full("...", "\xe2\x98\xba"), 0);
  NO_MATCH(".", "\n");
  MATCH("(?s).", "\n");
  CHECK_INT(full("(?s:.)", "\n"), 1);
}

static void test_unicode(void) {
  MATCH("\\pL", "\xc3\xa9");              /* é */
  NO_MATCH("\\pL", "1");
  MATCH("\\PL", "1");
  MATCH("\\p{L}", "x");
  MATCH("\\p{Lu}", "\xc3\x89");           /* É */
  NO_MATCH("\\p{Lu}", "\xc3\xa9");
  MATCH("\\p{Ll}", "\xc3\xa9");
  MATCH("\\pN", "\xd9\xa3");              /* ٣ */
  MATCH("\\p{Nd}", "\xd9\xa3");
  MATCH("^\\p{Greek}+$", "\xce\xb1\xce\xb2\xce\xb3");   /* αβγ */
  NO_MATCH("\\p{Greek}", "abc");
  MATCH("\\p{^Greek}", "a");
  MATCH("\\P{Greek}", "a");
  MATCH("\\p{Han}", "\xe4\xb8\xad");      /* 中 */
  MATCH("\\p{Cyrillic}", "\xd0\xb6");     /* ж */
  MATCH("\\p{Latin}", "a");
  MATCH("\\p{Common}", "1");
  MATCH("\\p{Sc}", "\xe2\x82\xac");       /* € */
  MATCH("\\p{Zs}", " ");
  MATCH("\\p{Any}", "\n");
  MATCH("[\\p{Greek}\\d]", "5");
  MATCH("[^\\p{L}]", "5");
  NO_MATCH("[^\\p{L}]", "x");
  MATCH("\\pL", "\xf0\x90\x90\x80");      /* U+10400 Deseret, astral */
  MATCH("\\p{Deseret}", "\xf0\x90\x90\x80");
  MATCH("\\p{Cc}", "\x01");
  MATCH("\\pC", "\x01");
  CHECK(strcmp(tally_regex_unicode_version(), "15.0.0") == 0 || strlen(tally_regex_unicode_version()) > 0);
  /* invalid UTF-8 in the subject reads as U+FFFD, one byte each */
  MATCH("\\x{FFFD}", "a\xff");
  CHECK_INT(full("..", "\xff\xfe"), 1);
  CHECK_INT(full("a.b", "a\xe2\x98" "b"), 0);   /* a truncated sequence is two errors */
  CHECK_INT(full("a..b", "a\xe2\x98" "b"), 1);
  CHECK_INT(full("\\x{FFFD}", "\xed\xa0\x80"), 0); /* an encoded surrogate: three errors */
}

static void test_case_folding(void) {
  MATCH("(?i)abc", "xABCx");
  MATCH("(?i)ABC", "abc");
  NO_MATCH("abc", "ABC");
  MATCH("(?i)k", "\xe2\x84\xaa");         /* Kelvin sign */
  MATCH("(?i)\xe2\x84\xaa", "k");
  MATCH("(?i)s", "\xc5\xbf");             /* long s */
  MATCH("(?i)\xcf\x83", "\xcf\x82");      /* σ ~ ς */
  MATCH("(?i)\xcf\x82", "\xce\xa3");      /* ς ~ Σ */
  MATCH("(?i)\xc3\xa9", "\xc3\x89");      /* é ~ É */
  MATCH("(?i)\xf0\x90\x90\x80", "\xf0\x90\x90\xa8");  /* Deseret */
  NO_MATCH("(?i)stra\xc3\x9f" "e", "STRASSE");  /* simple folding only */
  MATCH("(?i)[a-c]", "B");
  MATCH("(?i)[^a-c]", "D");
  NO_MATCH("(?i)[^a-c]", "B");
  MATCH("(?i)[k]", "\xe2\x84\xaa");
  MATCH("(?i)\\w", "\xe2\x84\xaa");       /* RE2 folds \w too */
  NO_MATCH("(?i)\\W", "\xe2\x84\xaa");
  MATCH("(?i)\\p{Lu}", "a");
  MATCH("(?i:a)b", "Ab");
  NO_MATCH("(?i:a)b", "AB");
  MATCH("a(?i)b", "aB");
  NO_MATCH("a(?i)b", "AB");
  MATCH("(?i)a(?-i)b", "Ab");
  NO_MATCH("(?i)a(?-i)b", "AB");
  MATCH("(?i)(?:a|b)c", "BC");
  MATCH("((?i)a)b", "Ab");
  NO_MATCH("((?i)a)b", "AB");             /* the flag ends with its group */
  tally_regex *re;
  CHECK(tally_regex_compile(&A, "abc", 3, TALLY_REGEX_CASELESS, &re, NULL) == TALLY_OK);
  bool m = false;
  CHECK(tally_regex_search(re, cache, "ABC", 3, &m) == TALLY_OK && m);
  tally_regex_free(re);
  /* the other flags given through the API, and undone inside the pattern */
  CHECK(tally_regex_compile(&A, "^b$", 3, TALLY_REGEX_MULTILINE, &re, NULL) == TALLY_OK);
  CHECK(tally_regex_search(re, cache, "a\nb\nc", 5, &m) == TALLY_OK && m);
  tally_regex_free(re);
  CHECK(tally_regex_compile(&A, "a.b", 3, TALLY_REGEX_DOTALL, &re, NULL) == TALLY_OK);
  CHECK(tally_regex_match_full(re, cache, "a\nb", 3, &m) == TALLY_OK && m);
  tally_regex_free(re);
  CHECK(tally_regex_compile(&A, "(?-s)a.b", 8, TALLY_REGEX_DOTALL, &re, NULL) == TALLY_OK);
  CHECK(tally_regex_match_full(re, cache, "a\nb", 3, &m) == TALLY_OK && !m);
  tally_regex_free(re);
  CHECK(tally_regex_compile(&A, "a+", 2, TALLY_REGEX_UNGREEDY, &re, NULL) == TALLY_OK);
  tally_regex_span sp[1];
  CHECK(tally_regex_find(re, cache, "aaa", 3, 0, sp, 1, &m) == TALLY_OK && m && sp[0].end == 1);
  tally_regex_free(re);
  CHECK(tally_regex_compile(&A, "a.c", 3, TALLY_REGEX_LITERAL, &re, NULL) == TALLY_OK);
  CHECK(tally_regex_search(re, cache, "abc", 3, &m) == TALLY_OK && !m);
  CHECK(tally_regex_search(re, cache, "xa.c", 4, &m) == TALLY_OK && m);
  tally_regex_free(re);
}

static void test_assertions(void) {
  MATCH("^abc", "abcd");
  NO_MATCH("^abc", "xabc");
  MATCH("abc$", "xabc");
  NO_MATCH("abc$", "abc\n");              /* RE2: $ is \z without (?m) */
  NO_MATCH("^b", "a\nb");
  MATCH("(?m)^b", "a\nb");
  MATCH("(?m)a$", "a\nb");
  NO_MATCH("a$", "a\nb");
  MATCH("(?m)^$", "a\n\nb");
  MATCH("\\Aab", "ab");
  NO_MATCH("(?m)\\Ab", "a\nb");
  MATCH("b\\z", "ab");
  NO_MATCH("(?m)a\\z", "a\nb");
  MATCH("\\bfoo\\b", "a foo b");
  NO_MATCH("\\bfoo\\b", "afoo b");
  MATCH("\\Bfoo", "afoo");
  NO_MATCH("\\Bfoo", "a foo");
  MATCH("\\b", "a");
  NO_MATCH("\\b", "");
  MATCH("\\B", "");
  NO_MATCH("\\b\xc3\xa9", " \xc3\xa9");   /* \b is ASCII: é is not a word character */
  MATCH("^", "");
  MATCH("$", "");
  MATCH("^$", "");
  NO_MATCH("^$", "a");
  MATCH("x^*y", "xy");                     /* an assertion may be repeated */
  CHECK_STR(find("\\bb", "ab b", 0), "3-4");
  CHECK_STR(find("^a", "aa", 1), "none");       /* find from 1: ^ still means the text's start */
  CHECK_STR(find("\\ba", "ab a", 1), "3-4");
  CHECK_STR(find("(?m)^a", "a\na", 1), "2-3");
}

static void test_groups_and_repetition(void) {
  CHECK_STR(find("a(b)c", "xabcx", 0), "1-4 2-3");
  CHECK_STR(find("(a)|(b)", "b", 0), "0-1 - 0-1");
  CHECK_STR(find("(a|ab)(c|bcd)(d*)", "abcd", 0), "0-4 0-1 1-4 4-4");  /* leftmost-first, not longest */
  CHECK_STR(find("a*", "baaa", 0), "0-0");
  CHECK_STR(find("a+", "baaa", 0), "1-4");
  CHECK_STR(find("a+?", "baaa", 0), "1-2");
  CHECK_STR(find("a*?b", "aaab", 0), "0-4");
  CHECK_STR(find("(a+)(a*)", "aaa", 0), "0-3 0-3 3-3");
  CHECK_STR(find("(a+?)(a*)", "aaa", 0), "0-3 0-1 1-3");
  CHECK_STR(find("(?U)(a+)(a*)", "aaa", 0), "0-1 0-1 1-1");
  CHECK_STR(find("(?U)(a+?)(a*)", "aaa", 0), "0-3 0-3 3-3");
  CHECK_STR(find("a{2,3}", "aaaa", 0), "0-3");
  CHECK_STR(find("a{2,3}?", "aaaa", 0), "0-2");
  CHECK_STR(find("a{2,}?", "aaaa", 0), "0-2");
  CHECK_STR(find("(a)*", "aa", 0), "0-2 1-2");
  CHECK_STR(find("(|a)*", "aa", 0), "0-0 0-0");  /* an empty iteration ends the loop (RE2) */
  CHECK_STR(find("(a|)*", "aa", 0), "0-2 1-2");    /* as re2js and Go */
  CHECK_STR(find("(?:a(b)?)+", "aba", 0), "0-3 1-2");
  CHECK_STR(find("x*", "\xe2\x98\xba", 0), "0-0");
  CHECK_STR(find("(?P<first>a)(?<second>b)", "ab", 0), "0-2 0-1 1-2");
  CHECK_STR(find("b", "abab", 2), "3-4");
  CHECK_STR(find("b", "abab", 4), "none");
  CHECK_STR(find("", "ab", 2), "2-2");
  CHECK_STR(find("", "ab", 3), "none");
  tally_regex *re;
  CHECK(tally_regex_compile(&A, "(?P<year>\\d+)-(x)-(?P<day>\\d+)", 30, 0, &re, NULL) == TALLY_OK);
  CHECK_INT(tally_regex_group_count(re), 3);
  size_t len = 0;
  const char *nm = tally_regex_group_name(re, 1, &len);
  CHECK(nm && len == 4 && memcmp(nm, "year", 4) == 0);
  CHECK(tally_regex_group_name(re, 2, &len) == NULL);
  nm = tally_regex_group_name(re, 3, &len);
  CHECK(nm && len == 3 && memcmp(nm, "day", 3) == 0);
  CHECK_INT(tally_regex_group_index(re, "day", 3), 3);
  CHECK_INT(tally_regex_group_index(re, "month", 5), 0);
  /* fewer spans than groups: only those are tracked */
  tally_regex_span sp[2];
  bool m = false;
  CHECK(tally_regex_find(re, NULL, "on 2024-x-07", 12, 0, sp, 2, &m) == TALLY_OK && m);
  CHECK(sp[0].start == 3 && sp[0].end == 12 && sp[1].start == 3 && sp[1].end == 7);
  tally_regex_free(re);
  MATCH("a|b|c", "c");
  MATCH("a||c", "b");
  MATCH("(?:)", "");
  MATCH("()", "");
  CHECK_INT(full("(a|b)*c", "ababc"), 1);
  CHECK_INT(full("(a|b)*c", "ababcc"), 0);
  CHECK_INT(full("a|ab", "ab"), 1);          /* full match explores every alternative */
}

static void test_refused(void) {
  refuse("(a)\\1", TALLY_ERR_PARSE, 3, "backreferences are not supported");
  refuse("\\9", TALLY_ERR_PARSE, 0, "backreferences");
  refuse("(?P<n>a)(?P=n)", TALLY_ERR_PARSE, 8, "backreferences");
  refuse("a(?=b)", TALLY_ERR_PARSE, 1, "lookahead is not supported");
  refuse("a(?!b)", TALLY_ERR_PARSE, 1, "lookahead is not supported");
  refuse("(?<=a)b", TALLY_ERR_PARSE, 0, "lookbehind is not supported");
  refuse("(?<!a)b", TALLY_ERR_PARSE, 0, "lookbehind is not supported");
  refuse("a++", TALLY_ERR_PARSE, 1, "possessive quantifiers are not supported");
  refuse("a*+", TALLY_ERR_PARSE, 1, "possessive");
  refuse("a{2}+", TALLY_ERR_PARSE, 1, "possessive");
  refuse("a**", TALLY_ERR_PARSE, 1, "invalid nested repetition operator: `**`");
  refuse("a*??", TALLY_ERR_PARSE, 1, "invalid nested repetition operator");
  refuse("a{2}{3}", TALLY_ERR_PARSE, 1, "invalid nested repetition operator");
  refuse("(?>a)", TALLY_ERR_PARSE, 0, "atomic groups");
  refuse("(?#c)", TALLY_ERR_PARSE, 0, "comments");
  refuse("(?R)", TALLY_ERR_PARSE, 0, "recursion");
  refuse("\\C", TALLY_ERR_PARSE, 0, "\\C");
  refuse("a\\Z", TALLY_ERR_PARSE, 1, "use \\z");
  refuse("\\G", TALLY_ERR_PARSE, 0, "invalid escape sequence");
  refuse("\\e", TALLY_ERR_PARSE, 0, "invalid escape sequence: `\\e`");
  refuse("*a", TALLY_ERR_PARSE, 0, "missing argument to repetition operator");
  refuse("a|*", TALLY_ERR_PARSE, 2, "missing argument");
  refuse("(+)", TALLY_ERR_PARSE, 1, "missing argument");
  refuse("{2}", TALLY_ERR_PARSE, 0, "missing argument");
  refuse("a{1001}", TALLY_ERR_PARSE, 1, "invalid repeat count");
  refuse("a{2,1}", TALLY_ERR_PARSE, 1, "invalid repeat count");
  refuse("a{0,1001}", TALLY_ERR_PARSE, 1, "invalid repeat count");
  refuse("(ab", TALLY_ERR_PARSE, 0, "missing closing )");
  refuse("x(a(b)", TALLY_ERR_PARSE, 1, "missing closing )");
  refuse("ab)", TALLY_ERR_PARSE, 2, "unexpected )");
  refuse("[ab", TALLY_ERR_PARSE, 0, "missing closing ]");
  refuse("[]", TALLY_ERR_PARSE, 0, "missing closing ]");
  refuse("x[z-a]", TALLY_ERR_PARSE, 2, "invalid character class range: `z-a`");
  refuse("[[:foo:]]", TALLY_ERR_PARSE, 1, "invalid character class range: `[:foo:]`");
  refuse("\\p{Klingon}", TALLY_ERR_PARSE, 0, "unknown Unicode class");
  refuse("\\pX", TALLY_ERR_PARSE, 0, "unknown Unicode class");
  refuse("\\p{Greek", TALLY_ERR_PARSE, 0, "missing }");
  refuse("\\p{greek}", TALLY_ERR_PARSE, 0, "unknown Unicode class");  /* names are case-sensitive */
  refuse("a\\", TALLY_ERR_PARSE, 1, "trailing backslash");
  refuse("\\x{110000}", TALLY_ERR_PARSE, 0, "invalid escape sequence");
  refuse("\\xZ1", TALLY_ERR_PARSE, 0, "invalid escape sequence");
  refuse("(?P<>a)", TALLY_ERR_PARSE, 0, "invalid named capture");
  refuse("(?P<a-b>a)", TALLY_ERR_PARSE, 0, "invalid named capture");
  refuse("(?P<n>a)(?P<n>b)", TALLY_ERR_PARSE, 8, "duplicate capture group name");
  refuse("(?P<n", TALLY_ERR_PARSE, 0, "invalid named capture");
  refuse("(?z)", TALLY_ERR_PARSE, 0, "invalid or unsupported Perl syntax");
  refuse("(?i-)", TALLY_ERR_PARSE, 0, "invalid or unsupported Perl syntax");
  refuse("(?i", TALLY_ERR_PARSE, 0, "invalid or unsupported Perl syntax");
  refuse("a\xff", TALLY_ERR_PARSE, 1, "invalid UTF-8");
  /* messages quote whole characters (found by fuzzing: "(?" then a Kelvin sign) */
  refuse("(?\xe2\x84\xaa)", TALLY_ERR_PARSE, 0, "`(?\xe2\x84\xaa`");
  refuse("(?i\xc3\xa9:x)", TALLY_ERR_PARSE, 0, "`(?i\xc3\xa9`");
  /* line and column: the position on the second line */
  tally_regex *re;
  tally_error err;
  CHECK(tally_regex_compile(&A, "ab\nc\\1", 6, 0, &re, &err) == TALLY_ERR_PARSE);
  CHECK_INT(err.line, 2);
  CHECK_INT(err.column, 2);
  CHECK_INT(err.offset, 4);
  CHECK_INT(err.code, TALLY_ERR_PARSE);
}

static void test_limits(void) {
  /* program size: 1000 x 1000 copies stops at the instruction limit, quickly */
  /* nested counted repeats multiply (RE2's rule): at most 1000 in all */
  refuse("(?:a{1000}){1000}", TALLY_ERR_PARSE, 11, "nested counted repeats");
  refuse("((((a{3,5}){3,5}){3,5}){3,5}){3,5}", TALLY_ERR_PARSE, 29, "nested counted repeats");
  MATCH("(((a{3,5}){3,5}){3,5}){3,5}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  MATCH("((a{30}){30}){0}x", "x");
  NO_MATCH("(?:a{10}b*){100}", "aaaaaaaaaa");   /* compiles: 10 x 100 */
  /* the program limit: eleven copies of a{1000} */
  {
    char pat[128] = "";
    for (int i = 0; i < 11; i++) strcat(pat, "a{1000}");
    refuse(pat, TALLY_ERR_LIMIT, 0, "too large");
    pat[7 * 10] = 0;  /* ten copies and the frame: still too large (10,003) */
    refuse(pat, TALLY_ERR_LIMIT, 0, "too large");
    pat[7 * 9] = 0;
    NO_MATCH(pat, "a");   /* nine copies compile */
  }
  /* a big class copied many times shares one copy of its ranges */
  {
    char text[2048];
    for (int i = 0; i < 1000; i++) text[i] = "aZ"[i & 1];
    text[1000] = 0;
    CHECK_INT(full("(?:a|Z){1000}", text), 1);
    MATCH("(?i)\\pL{500}", text);
    text[999] = '1';
    CHECK_INT(full("\\pL{1000}", text), 0);
  }
  /* nesting depth */
  char deep[2 * TALLY_REGEX_MAX_DEPTH + 8];
  size_t n = 0;
  for (int i = 0; i <= TALLY_REGEX_MAX_DEPTH; i++) deep[n++] = '(';
  for (int i = 0; i <= TALLY_REGEX_MAX_DEPTH; i++) deep[n++] = ')';
  deep[n] = 0;
  refuse(deep, TALLY_ERR_LIMIT, TALLY_REGEX_MAX_DEPTH, "nested too deeply");
  deep[n - 1] = 0;
  memmove(deep, deep + 1, n);  /* exactly the limit: accepted */
  MATCH(deep, "");
  /* pattern length */
  size_t big = TALLY_REGEX_MAX_PATTERN + 1;
  char *p = malloc(big + 1);
  memset(p, 'a', big);
  p[big] = 0;
  refuse(p, TALLY_ERR_LIMIT, 0, "too long");
  free(p);
}

/* Every allocation of compile and match may fail: the result is NOMEM, never a leak or crash. */
static void test_out_of_memory(void) {
  const char *pat = "(?i)(\\pL+)\\s*(?P<n>\\d{2,4})|x*y$";
  const char *s = "hello there 1234 xxy";
  for (size_t k = 1; k < 200; k++) {
    check_alloc c = {0};
    tally_allocator fa = check_allocator(&c);
    c.fail_at = k;
    tally_regex *re = NULL;
    tally_regex_cache *ca = NULL;
    tally_error err;
    tally_status st = tally_regex_compile(&fa, pat, strlen(pat), 0, &re, &err);
    if (st == TALLY_OK) st = tally_regex_cache_new(&fa, 0, &ca);
    bool m = false;
    tally_regex_span sp[3];
    if (st == TALLY_OK) st = tally_regex_search(re, ca, s, strlen(s), &m);
    if (st == TALLY_OK) st = tally_regex_find(re, ca, s, strlen(s), 0, sp, 3, &m);
    if (st == TALLY_OK) st = tally_regex_match_full(re, NULL, s, strlen(s), &m);
    CHECK(st == TALLY_OK || st == TALLY_ERR_NOMEM);
    tally_regex_cache_free(ca);
    tally_regex_free(re);
    CHECK_INT(c.live_blocks, 0);
    if (st == TALLY_OK) break;
  }
}

/* A cache serves several regexes in turn, and a compiled regex several caches (lazy DFAs only). */
static void test_cache_sharing(void) {
  tally_regex *a, *b;
  CHECK(tally_regex_compile(&A, "ab+c", 4, TALLY_REGEX_LAZY, &a, NULL) == TALLY_OK);
  CHECK(tally_regex_compile(&A, "x\\d", 3, TALLY_REGEX_LAZY, &b, NULL) == TALLY_OK);
  CHECK(tally_regex_uses_cache(a) && tally_regex_uses_cache(b));
  bool m;
  for (int i = 0; i < 3; i++) {
    CHECK(tally_regex_search(a, cache, "zabbbc", 6, &m) == TALLY_OK && m);
    CHECK(tally_regex_search(b, cache, "zabbbc", 6, &m) == TALLY_OK && !m);
    CHECK(tally_regex_search(b, tiny, "zx9", 3, &m) == TALLY_OK && m);
    CHECK(tally_regex_search(a, tiny, "zx9", 3, &m) == TALLY_OK && !m);
  }
  tally_regex_free(a);
  tally_regex_free(b);
  /* the cache knows programs by pattern and flags, not by address */
  for (int i = 0; i < 4; i++) {
    const char *pat = i & 1 ? "^x+$" : "^y+$";
    CHECK(tally_regex_compile(&A, pat, 4, TALLY_REGEX_LAZY | (i >= 2 ? TALLY_REGEX_CASELESS : 0), &a, NULL) == TALLY_OK);
    CHECK(tally_regex_search(a, cache, "xxx", 3, &m) == TALLY_OK && m == (i & 1));
    CHECK(tally_regex_search(a, cache, "XXX", 3, &m) == TALLY_OK && m == (i == 3));
    tally_regex_free(a);
  }
  /* a pattern whose DFA needs more states than a small cache holds */
  tally_regex_cache *small;
  CHECK(tally_regex_cache_new(&A, 64 * 1024, &small) == TALLY_OK);
  CHECK(tally_regex_compile(&A, "(a|b)*a(a|b){12}", 16, 0, &a, NULL) == TALLY_OK);
  CHECK(tally_regex_uses_cache(a));  /* 2^13 states: far beyond the eager DFA's bound */
  char text[4096];
  unsigned x = 12345;
  for (size_t i = 0; i < sizeof text; i++) {
    x = x * 1103515245u + 12345u;
    text[i] = (x >> 16) & 1 ? 'a' : 'b';
  }
  for (int i = 0; i < 8; i++) {
    bool m1, m2;
    CHECK(tally_regex_search(a, small, text, sizeof text, &m1) == TALLY_OK);
    CHECK(tally_regex_search(a, NULL, text, sizeof text, &m2) == TALLY_OK);
    CHECK(m1 && m2);
    CHECK(tally_regex_match_full(a, small, text, sizeof text, &m1) == TALLY_OK);
    CHECK(tally_regex_match_full(a, NULL, text, sizeof text, &m2) == TALLY_OK);
    CHECK(m1 == m2);
  }
  tally_regex_free(a);
  tally_regex_cache_free(small);
}

int main(void) {
  A = check_allocator(&counts);
  CHECK(tally_regex_cache_new(&A, 0, &cache) == TALLY_OK);
  CHECK(tally_regex_cache_new(&A, 512, &tiny) == TALLY_OK);  /* always overflows: the NFA finishes */
  RUN(test_literals_and_escapes);
  RUN(test_classes);
  RUN(test_unicode);
  RUN(test_case_folding);
  RUN(test_assertions);
  RUN(test_groups_and_repetition);
  RUN(test_refused);
  RUN(test_limits);
  RUN(test_out_of_memory);
  RUN(test_cache_sharing);
  tally_regex_cache_free(cache);
  tally_regex_cache_free(tiny);
  CHECK_INT(counts.live_blocks, 0);
  CHECK_INT(counts.live_bytes, 0);
  return check_report("test_regex");
}
