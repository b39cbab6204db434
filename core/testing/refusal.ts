/** A fake API's refusal: the status and Google's error `status` string it answers with. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly message: string,
  ) {}
}

/**
 * Any error met while a fake API handles a request, as the refusal it answers: a refusal as
 * it is, a malformed percent-encoding as 400, anything else as 500. A fake never leaves a
 * request unanswered or rejects unhandled.
 *
 * @example
 * const refusal = asRefusal(new URIError('URI malformed')); // Refusal(400, 'INVALID_ARGUMENT', …)
 */
export function asRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (error instanceof URIError) return new Refusal(400, 'INVALID_ARGUMENT', `Invalid percent-encoding in the request: ${error.message}`);
  return new Refusal(500, 'INTERNAL', `The fake failed: ${error instanceof Error ? error.message : String(error)}`);
}
