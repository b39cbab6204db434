/**
 * A failed RBM API call. Subclasses tell what it means; `permanent` ones are not worth a
 * redelivery (a plugin that lets one escape is answered 200), the rest are.
 */
export class RbmApiError extends Error {
  override readonly name: string = 'RbmApiError';
  readonly permanent: boolean = false;
  constructor(
    message: string,
    /** HTTP status, or 0 when no answer came. */
    readonly status: number,
    /** Google's `error.status`, e.g. `NOT_FOUND`, when it said one. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** 404: the user cannot get RCS now (not capable, RCS off, agent not launched on the carrier). Fall back to SMS. */
export class UserNotReachableError extends RbmApiError {
  override readonly name = 'UserNotReachableError';
  override readonly permanent = true;
}

/** 400: the request used something the device or the API does not support. */
export class UnsupportedByDeviceError extends RbmApiError {
  override readonly name = 'UnsupportedByDeviceError';
  override readonly permanent = true;
}

/** 403: the agent is not launched and the user is not a tester, or the agent is not allowed. */
export class AgentNotAllowedError extends RbmApiError {
  override readonly name = 'AgentNotAllowedError';
  override readonly permanent = true;
}

/** Refused before sending: the request itself is wrong (a phone number not in E.164, say). */
export class InvalidRequestError extends RbmApiError {
  override readonly name = 'InvalidRequestError';
  override readonly permanent = true;
}

/** 401: the access token was refused. */
export class RbmAuthError extends RbmApiError {
  override readonly name = 'RbmAuthError';
}

/** 429 still after every retry. */
export class RbmRateLimitError extends RbmApiError {
  override readonly name = 'RbmRateLimitError';
}

/** 5xx still after every retry. */
export class RbmServerError extends RbmApiError {
  override readonly name = 'RbmServerError';
}

/** No answer within the time limit, or no connection, after every retry. */
export class RbmNetworkError extends RbmApiError {
  override readonly name = 'RbmNetworkError';
}

/**
 * The typed error for an HTTP error answer.
 *
 * @example
 * errorForStatus(404, 'NOT_FOUND', 'not capable'); // UserNotReachableError
 */
export function errorForStatus(status: number, reason: string | undefined, detail: string, api = 'RBM API'): RbmApiError {
  const message = `${api} answered ${status}${reason === undefined ? '' : ` ${reason}`}: ${detail}`;
  if (status === 404) return new UserNotReachableError(message, status, reason);
  if (status === 400) return new UnsupportedByDeviceError(message, status, reason);
  if (status === 403) return new AgentNotAllowedError(message, status, reason);
  if (status === 401) return new RbmAuthError(message, status, reason);
  if (status === 429) return new RbmRateLimitError(message, status, reason);
  if (status >= 500) return new RbmServerError(message, status, reason);
  return new RbmApiError(message, status, reason);
}
