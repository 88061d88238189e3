/** A chat template failed to parse or render, or was given invalid messages. */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}
