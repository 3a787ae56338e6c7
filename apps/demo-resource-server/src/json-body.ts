import express, { type NextFunction, type Request, type Response } from 'express';

const LIMIT_BYTES = 1024;
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Request bodies are JSON objects of at most 1 KiB; anything else is a 400 in the API's error shape. */
export function jsonBody() {
  const parse = express.json({ limit: LIMIT_BYTES, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!WITH_BODY.has(req.method)) return next();
    parse(req, res, (err?: unknown) => {
      const problem = err ? parseProblem(err) : shapeProblem(req);
      if (!problem) return next();
      res.status(400).json({ error: 'invalid_request', error_description: problem });
    });
  };
}

function parseProblem(err: unknown): string {
  const status = (err as { status?: number }).status;
  if (status === 413) return `the body exceeds ${LIMIT_BYTES} bytes`;
  if (status === 415) return 'the body must be UTF-8 JSON';
  return 'the body is not valid JSON';
}

function shapeProblem(req: Request): string | undefined {
  // type-is: null without a body, false for another media type.
  if (!req.is('application/json')) return 'the body must be application/json';
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? undefined
    : 'the body must be a JSON object';
}
