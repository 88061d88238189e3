/** The tool-call parser the server uses: one import line to repoint at `./tool-calls.js` (json helper). */
export { parseToolCalls, ToolCallStreamParser } from './tool-calls-stub.js';
export type { ParsedToolCall, ToolCallDelta } from './tool-calls-stub.js';
