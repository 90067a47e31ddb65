/*
** decls.c - the function declarations the checker knows: the standard
** library and cel-go's extension libraries (strings, math, encoders,
** optionals), with cel-go's function names and overload ids so that a
** checked program can name the exact overload the evaluator must run.
**
** A signature is a compact string, decoded once when a checker is made:
** the argument types (a member overload's receiver first), '>' and the
** result type. Codes: b bool, i int, u uint, d double, s string, y bytes,
** n null_type, D dyn, t timestamp, r duration, A B K V type parameters,
** T type; L<x> list(x), M<k><v> map(k, v), O<x> optional_type(x),
** Y<x> type(x). Rows with the same function name are one function: keep
** them together.
*/
#include "checker.h"

#define STD T_CEL_LIB_STANDARD
#define STR T_CEL_LIB_STRINGS
#define MATH T_CEL_LIB_MATH
#define ENC T_CEL_LIB_ENCODERS
#define OPT T_CEL_LIB_OPTIONALS
#define NET T_CEL_LIB_NETWORK

#define CMP(op, name)                                                                             \
  {op, name "_bool", false, "bb>b", STD}, {op, name "_int64", false, "ii>b", STD},                  \
  {op, name "_int64_double", false, "id>b", STD}, {op, name "_int64_uint64", false, "iu>b", STD},  \
  {op, name "_uint64", false, "uu>b", STD}, {op, name "_uint64_double", false, "ud>b", STD},       \
  {op, name "_uint64_int64", false, "ui>b", STD}, {op, name "_double", false, "dd>b", STD},         \
  {op, name "_double_int64", false, "di>b", STD}, {op, name "_double_uint64", false, "du>b", STD}, \
  {op, name "_string", false, "ss>b", STD}, {op, name "_bytes", false, "yy>b", STD},                \
  {op, name "_timestamp", false, "tt>b", STD}, {op, name "_duration", false, "rr>b", STD}

#define TIME_GETTER(fn, id)                                                                \
  {fn, "timestamp_to_" id, true, "t>i", STD}, {fn, "timestamp_to_" id "_with_tz", true, "ts>i", STD}

#define MINMAX(fn, op)                                                                                    \
  {fn, "math_" op "_double", false, "d>d", MATH}, {fn, "math_" op "_int", false, "i>i", MATH},                 \
  {fn, "math_" op "_uint", false, "u>u", MATH}, {fn, "math_" op "_double_double", false, "dd>d", MATH},        \
  {fn, "math_" op "_int_int", false, "ii>i", MATH}, {fn, "math_" op "_uint_uint", false, "uu>u", MATH},         \
  {fn, "math_" op "_int_uint", false, "iu>D", MATH}, {fn, "math_" op "_int_double", false, "id>D", MATH},      \
  {fn, "math_" op "_double_int", false, "di>D", MATH}, {fn, "math_" op "_double_uint", false, "du>D", MATH},   \
  {fn, "math_" op "_uint_int", false, "ui>D", MATH}, {fn, "math_" op "_uint_double", false, "ud>D", MATH},     \
  {fn, "math_" op "_list_double", false, "Ld>d", MATH}, {fn, "math_" op "_list_int", false, "Li>i", MATH},     \
  {fn, "math_" op "_list_uint", false, "Lu>u", MATH}

const t_cel_decl_row t_cel_decl_rows[] = {
  /* Logic; _&&_ and _||_ are checked specially (any number of bool arguments). */
  {"_?_:_", "conditional", false, "bAA>A", STD},
  {"_&&_", "logical_and", false, "bb>b", STD},
  {"_||_", "logical_or", false, "bb>b", STD},
  {"!_", "logical_not", false, "b>b", STD},
  {"@not_strictly_false", "not_strictly_false", false, "b>b", STD},
  {"_==_", "equals", false, "AA>b", STD},
  {"_!=_", "not_equals", false, "AA>b", STD},
  /* Arithmetic */
  {"_+_", "add_bytes", false, "yy>y", STD},
  {"_+_", "add_double", false, "dd>d", STD},
  {"_+_", "add_duration_duration", false, "rr>r", STD},
  {"_+_", "add_duration_timestamp", false, "rt>t", STD},
  {"_+_", "add_timestamp_duration", false, "tr>t", STD},
  {"_+_", "add_int64", false, "ii>i", STD},
  {"_+_", "add_list", false, "LALA>LA", STD},
  {"_+_", "add_string", false, "ss>s", STD},
  {"_+_", "add_uint64", false, "uu>u", STD},
  {"_/_", "divide_double", false, "dd>d", STD},
  {"_/_", "divide_int64", false, "ii>i", STD},
  {"_/_", "divide_uint64", false, "uu>u", STD},
  {"_%_", "modulo_int64", false, "ii>i", STD},
  {"_%_", "modulo_uint64", false, "uu>u", STD},
  {"_*_", "multiply_double", false, "dd>d", STD},
  {"_*_", "multiply_int64", false, "ii>i", STD},
  {"_*_", "multiply_uint64", false, "uu>u", STD},
  {"-_", "negate_double", false, "d>d", STD},
  {"-_", "negate_int64", false, "i>i", STD},
  {"_-_", "subtract_double", false, "dd>d", STD},
  {"_-_", "subtract_duration_duration", false, "rr>r", STD},
  {"_-_", "subtract_int64", false, "ii>i", STD},
  {"_-_", "subtract_timestamp_duration", false, "tr>t", STD},
  {"_-_", "subtract_timestamp_timestamp", false, "tt>r", STD},
  {"_-_", "subtract_uint64", false, "uu>u", STD},
  /* Relations */
  CMP("_<_", "less"),
  CMP("_<=_", "less_equals"),
  CMP("_>_", "greater"),
  CMP("_>=_", "greater_equals"),
  /* Indexing and membership; the optionals add index overloads on optional operands. */
  {"_[_]", "index_list", false, "LAi>A", STD},
  {"_[_]", "index_map", false, "MABA>B", STD},
  {"_[_]", "optional_list_index_int", false, "OLVi>OV", OPT},
  {"_[_]", "optional_map_index_value", false, "OMKVK>OV", OPT},
  {"@in", "in_list", false, "ALA>b", STD},
  {"@in", "in_map", false, "AMAB>b", STD},
  {"size", "size_bytes", false, "y>i", STD},
  {"size", "bytes_size", true, "y>i", STD},
  {"size", "size_list", false, "LA>i", STD},
  {"size", "list_size", true, "LA>i", STD},
  {"size", "size_map", false, "MAB>i", STD},
  {"size", "map_size", true, "MAB>i", STD},
  {"size", "size_string", false, "s>i", STD},
  {"size", "string_size", true, "s>i", STD},
  /* Conversions */
  {"type", "type", false, "A>YA", STD},
  {"bool", "bool_to_bool", false, "b>b", STD},
  {"bool", "string_to_bool", false, "s>b", STD},
  {"bytes", "bytes_to_bytes", false, "y>y", STD},
  {"bytes", "string_to_bytes", false, "s>y", STD},
  {"double", "double_to_double", false, "d>d", STD},
  {"double", "int64_to_double", false, "i>d", STD},
  {"double", "string_to_double", false, "s>d", STD},
  {"double", "uint64_to_double", false, "u>d", STD},
  {"duration", "duration_to_duration", false, "r>r", STD},
  {"duration", "string_to_duration", false, "s>r", STD},
  {"dyn", "to_dyn", false, "A>D", STD},
  {"int", "int64_to_int64", false, "i>i", STD},
  {"int", "double_to_int64", false, "d>i", STD},
  {"int", "duration_to_int64", false, "r>i", STD},
  {"int", "string_to_int64", false, "s>i", STD},
  {"int", "timestamp_to_int64", false, "t>i", STD},
  {"int", "uint64_to_int64", false, "u>i", STD},
  {"string", "string_to_string", false, "s>s", STD},
  {"string", "bool_to_string", false, "b>s", STD},
  {"string", "bytes_to_string", false, "y>s", STD},
  {"string", "double_to_string", false, "d>s", STD},
  {"string", "duration_to_string", false, "r>s", STD},
  {"string", "int64_to_string", false, "i>s", STD},
  {"string", "timestamp_to_string", false, "t>s", STD},
  {"string", "uint64_to_string", false, "u>s", STD},
  {"timestamp", "timestamp_to_timestamp", false, "t>t", STD},
  {"timestamp", "int64_to_timestamp", false, "i>t", STD},
  {"timestamp", "string_to_timestamp", false, "s>t", STD},
  {"uint", "uint64_to_uint64", false, "u>u", STD},
  {"uint", "double_to_uint64", false, "d>u", STD},
  {"uint", "int64_to_uint64", false, "i>u", STD},
  {"uint", "string_to_uint64", false, "s>u", STD},
  /* Strings */
  {"contains", "contains_string", true, "ss>b", STD},
  {"endsWith", "ends_with_string", true, "ss>b", STD},
  {"startsWith", "starts_with_string", true, "ss>b", STD},
  {"matches", "matches", false, "ss>b", STD},
  {"matches", "matches_string", true, "ss>b", STD},
  /* Timestamps and durations */
  TIME_GETTER("getFullYear", "year"),
  TIME_GETTER("getMonth", "month"),
  TIME_GETTER("getDayOfYear", "day_of_year"),
  TIME_GETTER("getDayOfMonth", "day_of_month"),
  TIME_GETTER("getDate", "day_of_month_1_based"),
  TIME_GETTER("getDayOfWeek", "day_of_week"),
  {"getHours", "timestamp_to_hours", true, "t>i", STD},
  {"getHours", "timestamp_to_hours_with_tz", true, "ts>i", STD},
  {"getHours", "duration_to_hours", true, "r>i", STD},
  {"getMinutes", "timestamp_to_minutes", true, "t>i", STD},
  {"getMinutes", "timestamp_to_minutes_with_tz", true, "ts>i", STD},
  {"getMinutes", "duration_to_minutes", true, "r>i", STD},
  {"getSeconds", "timestamp_to_seconds", true, "t>i", STD},
  {"getSeconds", "timestamp_to_seconds_tz", true, "ts>i", STD},
  {"getSeconds", "duration_to_seconds", true, "r>i", STD},
  {"getMilliseconds", "timestamp_to_milliseconds", true, "t>i", STD},
  {"getMilliseconds", "timestamp_to_milliseconds_with_tz", true, "ts>i", STD},
  {"getMilliseconds", "duration_to_milliseconds", true, "r>i", STD},
  /* Two-variable comprehensions: the step of transformMap and transformMapEntry. */
  {"cel.@mapInsert", "@mapInsert_map_key_value", false, "MKVKV>MKV", STD},
  {"cel.@mapInsert", "@mapInsert_map_map", false, "MKVMKV>MKV", STD},
  /* Extension: strings */
  {"charAt", "string_char_at_int", true, "si>s", STR},
  {"indexOf", "string_index_of_string", true, "ss>i", STR},
  {"indexOf", "string_index_of_string_int", true, "ssi>i", STR},
  {"lastIndexOf", "string_last_index_of_string", true, "ss>i", STR},
  {"lastIndexOf", "string_last_index_of_string_int", true, "ssi>i", STR},
  {"lowerAscii", "string_lower_ascii", true, "s>s", STR},
  {"upperAscii", "string_upper_ascii", true, "s>s", STR},
  {"replace", "string_replace_string_string", true, "sss>s", STR},
  {"replace", "string_replace_string_string_int", true, "sssi>s", STR},
  {"split", "string_split_string", true, "ss>Ls", STR},
  {"split", "string_split_string_int", true, "ssi>Ls", STR},
  {"substring", "string_substring_int", true, "si>s", STR},
  {"substring", "string_substring_int_int", true, "sii>s", STR},
  {"trim", "string_trim", true, "s>s", STR},
  {"format", "string_format", true, "sLD>s", STR},
  {"strings.quote", "strings_quote", false, "s>s", STR},
  {"join", "list_join", true, "Ls>s", STR},
  {"join", "list_join_string", true, "Lss>s", STR},
  {"reverse", "string_reverse", true, "s>s", STR},
  /* Extension: math. cel-go's macros turn math.greatest/least into math.@max/@min;
     here they are functions, and three or more arguments count as one list. */
  MINMAX("math.@max", "@max"),
  MINMAX("math.@min", "@min"),
  MINMAX("math.greatest", "@max"),
  MINMAX("math.least", "@min"),
  {"math.ceil", "math_ceil_double", false, "d>d", MATH},
  {"math.floor", "math_floor_double", false, "d>d", MATH},
  {"math.round", "math_round_double", false, "d>d", MATH},
  {"math.trunc", "math_trunc_double", false, "d>d", MATH},
  {"math.isInf", "math_isInf_double", false, "d>b", MATH},
  {"math.isNaN", "math_isNaN_double", false, "d>b", MATH},
  {"math.isFinite", "math_isFinite_double", false, "d>b", MATH},
  {"math.abs", "math_abs_double", false, "d>d", MATH},
  {"math.abs", "math_abs_int", false, "i>i", MATH},
  {"math.abs", "math_abs_uint", false, "u>u", MATH},
  {"math.sign", "math_sign_double", false, "d>d", MATH},
  {"math.sign", "math_sign_int", false, "i>i", MATH},
  {"math.sign", "math_sign_uint", false, "u>u", MATH},
  {"math.sqrt", "math_sqrt_double", false, "d>d", MATH},
  {"math.sqrt", "math_sqrt_int", false, "i>d", MATH},
  {"math.sqrt", "math_sqrt_uint", false, "u>d", MATH},
  {"math.bitAnd", "math_bitAnd_int_int", false, "ii>i", MATH},
  {"math.bitAnd", "math_bitAnd_uint_uint", false, "uu>u", MATH},
  {"math.bitOr", "math_bitOr_int_int", false, "ii>i", MATH},
  {"math.bitOr", "math_bitOr_uint_uint", false, "uu>u", MATH},
  {"math.bitXor", "math_bitXor_int_int", false, "ii>i", MATH},
  {"math.bitXor", "math_bitXor_uint_uint", false, "uu>u", MATH},
  {"math.bitNot", "math_bitNot_int_int", false, "i>i", MATH},
  {"math.bitNot", "math_bitNot_uint_uint", false, "u>u", MATH},
  {"math.bitShiftLeft", "math_bitShiftLeft_int_int", false, "ii>i", MATH},
  {"math.bitShiftLeft", "math_bitShiftLeft_uint_int", false, "ui>u", MATH},
  {"math.bitShiftRight", "math_bitShiftRight_int_int", false, "ii>i", MATH},
  {"math.bitShiftRight", "math_bitShiftRight_uint_int", false, "ui>u", MATH},
  /* Extension: encoders */
  {"base64.decode", "base64_decode_string", false, "s>y", ENC},
  {"base64.encode", "base64_encode_bytes", false, "y>s", ENC},
  /* Extension: optionals */
  {"optional.of", "optional_of", false, "V>OV", OPT},
  {"optional.ofNonZeroValue", "optional_ofNonZeroValue", false, "V>OV", OPT},
  {"optional.none", "optional_none", false, ">OV", OPT},
  {"value", "optional_value", true, "OV>V", OPT},
  {"hasValue", "optional_hasValue", true, "OV>b", OPT},
  {"or", "optional_or_optional", true, "OVOV>OV", OPT},
  {"orValue", "optional_orValue_value", true, "OVV>V", OPT},
  {"_[?_]", "list_optindex_optional_int", false, "LVi>OV", OPT},
  {"_[?_]", "optional_list_optindex_optional_int", false, "OLVi>OV", OPT},
  {"_[?_]", "map_optindex_optional_value", false, "MKVK>OV", OPT},
  {"_[?_]", "optional_map_optindex_optional_value", false, "OMKVK>OV", OPT},
  {"optional.unwrap", "optional_unwrap", false, "LOV>LV", OPT},
  {"unwrapOpt", "optional_unwrapOpt", true, "LOV>LV", OPT},
  {"first", "list_first", true, "LV>OV", OPT},
  {"last", "list_last", true, "LV>OV", OPT},
  /* Extension: network (ext_network.c); P is net.IP, C net.CIDR. */
  {"cidr", "string_to_cidr", false, "s>C", NET},
  {"containsCIDR", "cidr_contains_cidr", true, "CC>b", NET},
  {"containsCIDR", "cidr_contains_cidr_string", true, "Cs>b", NET},
  {"containsIP", "cidr_contains_ip_ip", true, "CP>b", NET},
  {"containsIP", "cidr_contains_ip_string", true, "Cs>b", NET},
  {"family", "ip_family", true, "P>i", NET},
  {"ip", "string_to_ip", false, "s>P", NET},
  {"ip", "cidr_ip", true, "C>P", NET},
  {"ip.isCanonical", "ip_is_canonical", false, "s>b", NET},
  {"isCIDR", "is_cidr", false, "s>b", NET},
  {"isGlobalUnicast", "ip_is_global_unicast", true, "P>b", NET},
  {"isIP", "is_ip", false, "s>b", NET},
  {"isLinkLocalMulticast", "ip_is_link_local_multicast", true, "P>b", NET},
  {"isLinkLocalUnicast", "ip_is_link_local_unicast", true, "P>b", NET},
  {"isLoopback", "ip_is_loopback", true, "P>b", NET},
  {"isMask", "cidr_is_mask", true, "C>b", NET},
  {"isUnspecified", "ip_is_unspecified", true, "P>b", NET},
  {"masked", "cidr_masked", true, "C>C", NET},
  {"prefixLength", "cidr_prefix_length", true, "C>i", NET},
  {"string", "cidr_to_string", false, "C>s", NET},
  {"string", "ip_to_string", false, "P>s", NET},
};

const size_t t_cel_decl_row_count = T_ARRAY_LEN(t_cel_decl_rows);

/*
** The names usable as type identifiers (`int`, `list`, `type(x) == string`),
** with the type they denote; optional_type comes with the optionals.
*/
const t_cel_decl_type t_cel_decl_types[] = {
  {"bool", "b", STD}, {"bytes", "y", STD}, {"double", "d", STD}, {"google.protobuf.Duration", "r", STD},
  {"int", "i", STD}, {"list", "LA", STD}, {"map", "MAB", STD}, {"null_type", "n", STD}, {"string", "s", STD},
  {"google.protobuf.Timestamp", "t", STD}, {"type", "T", STD}, {"uint", "u", STD},
  {"optional_type", "OV", OPT},
  {"net.IP", "P", NET}, {"net.CIDR", "C", NET},
};

const size_t t_cel_decl_type_count = T_ARRAY_LEN(t_cel_decl_types);

/* Decodes one type code at *p (advancing it); NULL on out of memory or a bad code. */
const t_type *t_cel_decl_decode(t_arena *ar, const char **p) {
  char c = **p;
  if (!c) return NULL;
  (*p)++;
  switch (c) {
  case 'b': return &t_type_bool;
  case 'i': return &t_type_int;
  case 'u': return &t_type_uint;
  case 'd': return &t_type_double;
  case 's': return &t_type_string;
  case 'y': return &t_type_bytes;
  case 'n': return &t_type_null;
  case 'D': return &t_type_dyn;
  case 't': return &t_type_timestamp;
  case 'r': return &t_type_duration;
  case 'T': return &t_type_type;
  case 'A': return t_type_param(ar, T_STR("A"));
  case 'B': return t_type_param(ar, T_STR("B"));
  case 'K': return t_type_param(ar, T_STR("K"));
  case 'V': return t_type_param(ar, T_STR("V"));
  case 'L': return t_type_list(ar, t_cel_decl_decode(ar, p));
  case 'O': return t_type_optional(ar, t_cel_decl_decode(ar, p));
  case 'Y': return t_type_type_of(ar, t_cel_decl_decode(ar, p));
  case 'P': return t_type_opaque(ar, T_STR("net.IP"), NULL, 0);
  case 'C': return t_type_opaque(ar, T_STR("net.CIDR"), NULL, 0);
  case 'M': {
    const t_type *k = t_cel_decl_decode(ar, p);
    if (!k) return NULL;
    return t_type_map(ar, k, t_cel_decl_decode(ar, p));
  }
  default: return NULL;
  }
}
