/** Errors of constrained decoding: a schema we cannot enforce, or a token the constraint forbids. */

/** The JSON schema uses a keyword or shape the constraint cannot enforce (the request should get a 400). */
export class UnsupportedSchemaError extends Error {
  override name = 'UnsupportedSchemaError';
  constructor(
    message: string,
    /** JSON pointer of the offending schema location, e.g. `#/properties/age`. */
    readonly at: string,
  ) {
    super(`${at}: ${message}`);
  }
}

/** `accept` was given a token that the last mask did not allow (an engine bug: sample only allowed tokens). */
export class ConstraintViolationError extends Error {
  override name = 'ConstraintViolationError';
}
