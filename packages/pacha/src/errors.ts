/** Base class of every error pacha throws; messages say what was violated and how to fix it. */
export class PachaError extends Error {
  override name = 'PachaError';
}

/** A model reference that does not parse (`name[:tag]`, `hf://…`, `https://…`, `ollama://…`). */
export class RefError extends PachaError {
  override name = 'RefError';
}

/** A reference that names no manifest in the store. */
export class NotFoundError extends PachaError {
  override name = 'NotFoundError';
}

/** The store lock could not be taken in time (another process holds it). */
export class LockError extends PachaError {
  override name = 'LockError';
}

/** A manifest file that is not valid JSON of the expected shape, or a file that is not a GGUF. */
export class FormatError extends PachaError {
  override name = 'FormatError';
}

/** A signature that is missing, malformed, fails to verify, or is not from a trusted key. */
export class SignatureError extends PachaError {
  override name = 'SignatureError';
}

/** A key file that is missing, not an Ed25519 key in PEM, or would be overwritten. */
export class KeyError extends PachaError {
  override name = 'KeyError';
}
