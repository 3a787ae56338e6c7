/** The parts of an HTTP request its DPoP header is read from. */
export interface DpopHeaderSource {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  rawHeaders?: string[];
}

/**
 * The request's DPoP header as verifyDpopProof takes it: Node joins repeated headers it does not know
 * into one string, so the raw list decides whether there was more than one (RFC 9449 4.3: exactly one).
 */
export function dpopHeader(req: DpopHeaderSource): string | string[] | undefined {
  const raw = req.rawHeaders ?? [];
  const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'dpop');
  if (values.length > 1) return values;
  const header = req.headers.dpop;
  return header;
}
