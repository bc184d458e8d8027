/**
 * Every line of one header field as it arrived, from Node's `rawHeaders` (name, value, name,
 * value, …). `request.headers` folds repeated fields or keeps only the first, which would hide a
 * second Authorization, Content-Type or certificate header; checks that must see repeats read
 * the raw lines through this one scan.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.3
 */
export function rawHeaderValues(rawHeaders: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === lower) values.push(rawHeaders[i + 1]!);
  }
  return values;
}
