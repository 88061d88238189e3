/** The generation loop and chat sessions. */
export { generate, collectGeneration } from './generate.js';
export type { GenerateChunk, GenerateOptions, GenerateResult, StopReason } from './generate.js';
export { ChatSession } from './chat-session.js';
export type { ChatSendOptions, ChatSessionOptions, ChatTurnResult } from './chat-session.js';
export { ContextBudgetError, GenerateOptionsError, ChatSessionBusyError } from './errors.js';
export type { ContextBudget } from './errors.js';
export { StopStringMatcher } from './stop-matcher.js';
export type { StopMatch } from './stop-matcher.js';
export { makeTimings, tokensPerSecond } from './timings.js';
export type { GenerateTimings } from './timings.js';
export type { ChatTokenizer, GenerationTokenizer, LogitsSession } from './types.js';
