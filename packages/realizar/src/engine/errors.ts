/** Errors of the generation loop and chat session. Messages say what was violated and how to fix it. */

/** Numbers behind a {@link ContextBudgetError}. */
export interface ContextBudget {
  /** KV-cache capacity in tokens. */
  readonly contextLength: number;
  /** Tokens already in the cache (reused prefix). */
  readonly cachedTokens: number;
  /** New prompt tokens to feed. */
  readonly promptTokens: number;
  /** Requested completion length. */
  readonly maxTokens: number;
}

/**
 * The prompt plus the requested completion cannot fit in the context window. Raised up front, before
 * any token is fed, so nothing is silently truncated.
 */
export class ContextBudgetError extends Error {
  override name = 'ContextBudgetError';
  readonly contextLength: number;
  readonly cachedTokens: number;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** The largest `maxTokens` that would fit (≤ 0: the prompt alone does not fit). */
  readonly maxTokensAllowed: number;

  constructor(b: ContextBudget) {
    const used = b.cachedTokens + b.promptTokens;
    const allowed = b.contextLength - used;
    const prompt = b.cachedTokens > 0 ? `${used} prompt tokens (${b.cachedTokens} cached + ${b.promptTokens} new)` : `${used} prompt tokens`;
    super(
      allowed <= 0
        ? `${prompt} do not fit in the context of ${b.contextLength} tokens (at least one more is needed to generate): ` +
            `shorten the prompt or use a larger --ctx (> ${used})`
        : `${prompt} + --max-tokens ${b.maxTokens} = ${used + b.maxTokens} tokens exceed the context of ${b.contextLength}: ` +
            `use --max-tokens ≤ ${allowed} or a larger --ctx (≥ ${used + b.maxTokens})`,
    );
    this.contextLength = b.contextLength;
    this.cachedTokens = b.cachedTokens;
    this.promptTokens = b.promptTokens;
    this.maxTokens = b.maxTokens;
    this.maxTokensAllowed = allowed;
  }
}

/** An argument of `generate` / `ChatSession.send` is invalid. */
export class GenerateOptionsError extends Error {
  override name = 'GenerateOptionsError';
}

/** `ChatSession.send` was called while the previous reply is still being generated. */
export class ChatSessionBusyError extends Error {
  override name = 'ChatSessionBusyError';
  constructor() {
    super('this chat session is still generating the previous reply: finish or abort it (AbortSignal) before sending again');
  }
}
