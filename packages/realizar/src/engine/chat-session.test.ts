import { describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE } from '../chat/builtin-templates.js';
import { ChatTemplate } from '../chat/chat-template.js';
import { ChatSession } from './chat-session.js';
import { ChatSessionBusyError, ContextBudgetError } from './errors.js';
import { CharTokenizer, FakeSession, NoTruncateSession, type FakeModel } from './test-fakes.js';

const tok = new CharTokenizer();
const chatml = new ChatTemplate(CHATML_TEMPLATE);
const greedy = { temperature: 0 };

/** Answers the n-th assistant header with replies[n], then <|im_end|>. */
function chatModel(replies: string[]): FakeModel {
  const header = tok.encode('<|im_start|>assistant\n', { parseSpecial: true });
  return (h) => {
    let turns = 0;
    let at = -1;
    for (let i = 0; i + header.length <= h.length; i++) {
      if (header.every((t, j) => h[i + j] === t)) {
        turns++;
        at = i + header.length;
      }
    }
    const reply = replies[(turns - 1) % replies.length];
    const k = h.length - at;
    return k < reply.length ? reply.codePointAt(k)! + 8 : tok.imEnd;
  };
}

function setup(opts: { replies?: string[]; ctx?: number; template?: ChatTemplate; session?: FakeSession; tokenizer?: CharTokenizer } = {}) {
  const session = opts.session ?? new FakeSession(tok.vocabSize, chatModel(opts.replies ?? ['Hi', 'Bye']), opts.ctx);
  const chat = new ChatSession({ session, tokenizer: opts.tokenizer ?? tok, template: opts.template ?? chatml, system: 'Be brief.' });
  return { session, chat };
}

describe('ChatSession', () => {
  it('renders the conversation and prefills only the new tokens on the next turn', async () => {
    const { session, chat } = setup();
    const r1 = await chat.reply('hello', { sampling: greedy });
    const prompt1 = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n';
    expect(session.calls[0]).toEqual(tok.encode(prompt1, { parseSpecial: true }));
    expect([r1.text, r1.stopReason, r1.reusedTokens]).toEqual(['Hi', 'eog', 0]);
    expect(r1.message).toEqual({ role: 'assistant', content: 'Hi' });

    const callsBefore = session.calls.length;
    const r2 = await chat.reply('again', { sampling: greedy });
    expect(r2.text).toBe('Bye');
    // The cache held prompt1 + "Hi" (the sampled <|im_end|> is never fed): all of it is reused.
    expect(r2.reusedTokens).toBe(tok.encode(prompt1 + 'Hi', { parseSpecial: true }).length);
    expect(session.calls[callsBefore]).toEqual(tok.encode('<|im_end|>\n<|im_start|>user\nagain<|im_end|>\n<|im_start|>assistant\n', { parseSpecial: true }));
    expect(r2.timings.promptTokenCount).toBe(session.calls[callsBefore].length);
    expect(session.resets).toBe(1); // only the constructor's
    expect(chat.messages.map((m) => `${m.role}:${m.content}`)).toEqual(['system:Be brief.', 'user:hello', 'assistant:Hi', 'user:again', 'assistant:Bye']);
    expect(chat.cachedTokens).toBe(session.position);
  });

  it('truncates the cache where the new prompt diverges, or resets without truncate()', async () => {
    // A template whose header changes every turn: prompts share only "<system>|".
    const counting = new ChatTemplate(
      "{{ messages[0].content }}|{{ messages|length }}{% for m in messages[1:] %}{{ '\\n' + m.role + ': ' + m.content }}{% endfor %}" +
        "{{ '\\n<|im_start|>assistant\\n' }}",
    );
    const { session, chat } = setup({ template: counting });
    await chat.reply('a', { sampling: greedy });
    const r = await chat.reply('b', { sampling: greedy });
    expect(r.reusedTokens).toBe('Be brief.|'.length);
    expect(session.truncations).toEqual(['Be brief.|'.length]);
    expect(chat.cachedTokens).toBe(session.position);

    const plain = new NoTruncateSession(tok.vocabSize, chatModel(['x']));
    const c2 = setup({ template: counting, session: plain }).chat;
    await c2.reply('a', { sampling: greedy });
    const r2 = await c2.reply('b', { sampling: greedy });
    expect([r2.reusedTokens, plain.resets]).toEqual([0, 2]);
  });

  it('keeps a partial reply after an abort or an early break, with the cache in sync', async () => {
    const { session, chat } = setup({ replies: ['Hello there'] });
    const ac = new AbortController();
    const r = await chat.reply('hi', { sampling: greedy, signal: ac.signal, onToken: (c) => c.text === 'l' && ac.abort() });
    expect([r.text, r.stopReason]).toEqual(['Hel', 'abort']);
    expect(chat.messages.at(-1)).toEqual({ role: 'assistant', content: 'Hel' });
    expect(chat.cachedTokens).toBe(session.position);

    for await (const c of chat.send('more', { sampling: greedy })) {
      if (c.text === 'e') break;
    }
    expect(chat.messages.at(-1)).toEqual({ role: 'assistant', content: 'He' });
    expect(chat.cachedTokens).toBe(session.position);
  });

  it('rolls the input back when the turn does not fit the context', async () => {
    const { session, chat } = setup({ ctx: 60 });
    const err = await chat.reply('x'.repeat(30), { sampling: greedy, maxTokens: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextBudgetError);
    expect((err as Error).message).toMatch(/use --max-tokens ≤ -?\d+|larger --ctx/);
    expect(chat.messages.length).toBe(1);
    expect(session.calls.length).toBe(0);
    expect((await chat.reply('ok', { sampling: greedy, maxTokens: 5 })).text).toBe('Hi');
  });

  it('refuses a second send while one is running', async () => {
    const { chat } = setup();
    const first = chat.send('one', { sampling: greedy });
    await first.next();
    await expect(chat.send('two').next()).rejects.toThrow(ChatSessionBusyError);
    await first.return(undefined as never);
    expect((await chat.reply('two', { sampling: greedy })).text).toBeTypeOf('string');
  });

  it('reset() keeps the system prompt and empties the cache', async () => {
    const { session, chat } = setup();
    await chat.reply('hello', { sampling: greedy });
    chat.reset();
    expect(chat.messages).toEqual([{ role: 'system', content: 'Be brief.' }]);
    expect([chat.cachedTokens, session.position, session.resets]).toEqual([0, 0, 2]);
  });

  it('prepends BOS when the vocabulary wants it, but not twice', async () => {
    const bosTok = new CharTokenizer(true);
    const s1 = setup({ tokenizer: bosTok });
    await s1.chat.reply('hi', { sampling: greedy });
    expect(s1.session.calls[0].slice(0, 2)).toEqual([bosTok.bos, bosTok.imStart]);
    const withBos = new ChatTemplate('{{ bos_token }}' + CHATML_TEMPLATE, { bosToken: '<s>' });
    const s2 = setup({ tokenizer: bosTok, template: withBos });
    await s2.chat.reply('hi', { sampling: greedy });
    expect(s2.session.calls[0].slice(0, 2)).toEqual([bosTok.bos, bosTok.imStart]);
  });
});
