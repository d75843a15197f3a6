/**
 * What HTTP allows in a header field, checked without loading `node:http` (whose client and
 * server modules would load at cold start for two validators).
 *
 * A field name is a token (RFC 9110 section 5.1, section 5.6.2):
 *   token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 * A field value (RFC 9110 section 5.5) is made of VCHAR, SP, HTAB and obs-text (0x80-0xFF);
 * CR, LF, NUL and other controls are not allowed. These are the rules Node's own
 * `validateHeaderName` / `validateHeaderValue` apply (test/unit/header-rules.test.ts checks
 * them against each other).
 */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function isFieldName(name: string): boolean {
  return TOKEN.test(name);
}

export function isFieldValue(value: string): boolean {
  return FIELD_VALUE.test(value);
}
