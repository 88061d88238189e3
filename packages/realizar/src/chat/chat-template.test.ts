import { describe, expect, it } from 'vitest';
// Qwen2.5's verbatim template (also what the generator writes as tokenizer.chat_template).
import { QWEN25_CHAT_TEMPLATE } from './qwen25-template.js';
import { gguf, GGUFValueType, readGGUF, writeGGUF, type GGUFValue } from '../gguf/index.js';
import { CHATML_TEMPLATE, LLAMA2_TEMPLATE } from './builtin-templates.js';
import { ChatTemplate } from './chat-template.js';
import { ChatTemplateError } from './chat-template-error.js';
import type { ChatMessage } from './chat-types.js';
import { resolveChatTemplate } from './resolve-chat-template.js';

const SYS_USER: ChatMessage[] = [
  { role: 'system', content: 'You are a coder.' },
  { role: 'user', content: 'Write hello world in C.' },
];

function ggufWith(entries: [string, GGUFValue][]) {
  return readGGUF(writeGGUF({ metadata: entries, tensors: [] }), { source: 'test.gguf' });
}

describe('ChatTemplate with the real Qwen2.5 template', () => {
  const qwen = new ChatTemplate(QWEN25_CHAT_TEMPLATE);

  it('renders system + user + generation prompt as ChatML', () => {
    expect(qwen.render(SYS_USER, { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a coder.<|im_end|>\n' +
        '<|im_start|>user\nWrite hello world in C.<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('adds the default system prompt and omits the generation prompt on request', () => {
    expect(qwen.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nhi<|im_end|>\n',
    );
  });

  it('passes tools through and renders tool calls with JSON-text arguments as objects', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const out = qwen.render(
      [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '{"temp":21}' },
      ],
      { tools },
    );
    expect(out).toContain('# Tools');
    expect(out).toContain('<tools>\n{"type": "function", "function": {"name": "get_weather"');
    expect(out).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>');
    expect(out).toContain('<|im_start|>user\n<tool_response>\n{"temp":21}\n</tool_response><|im_end|>\n');
    expect(out.endsWith('<|im_start|>assistant\n')).toBe(true);
  });
});

describe('ChatTemplate', () => {
  it('built-in ChatML has no default system prompt', () => {
    expect(new ChatTemplate(CHATML_TEMPLATE).render([{ role: 'user', content: 'hi' }])).toBe(
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('built-in Llama-2 renders [INST] with <<SYS>> and bos/eos', () => {
    const t = new ChatTemplate(LLAMA2_TEMPLATE, { bosToken: '<s>', eosToken: '</s>' });
    expect(
      t.render([...SYS_USER, { role: 'assistant', content: ' int main(){} ' }, { role: 'user', content: 'thanks' }]),
    ).toBe(
      '<s>[INST] <<SYS>>\nYou are a coder.\n<</SYS>>\n\nWrite hello world in C. [/INST] int main(){} </s><s>[INST] thanks [/INST]',
    );
  });

  it('exposes bos/eos and extra variables to the template', () => {
    const t = new ChatTemplate('{{ bos_token }}|{{ eos_token }}|{{ flavour }}|{{ add_generation_prompt }}', { bosToken: 'B', eosToken: 'E' });
    expect(t.render([], { extra: { flavour: 'x' }, addGenerationPrompt: false })).toBe('B|E|x|false');
  });

  it('reports parse, render and message errors as ChatTemplateError', () => {
    expect(() => new ChatTemplate('{% for %}', { label: 'bad.gguf tokenizer.chat_template' })).toThrow(
      /bad\.gguf tokenizer\.chat_template is not a valid Jinja template/,
    );
    const raising = new ChatTemplate("{{ raise_exception('roles must alternate') }}");
    expect(() => raising.render([{ role: 'user', content: 'x' }])).toThrow(ChatTemplateError);
    expect(() => raising.render([{ role: 'user', content: 'x' }])).toThrow(/roles must alternate/);
    const chatml = new ChatTemplate(CHATML_TEMPLATE);
    expect(() => chatml.render([{ role: 'robot', content: 'x' } as unknown as ChatMessage])).toThrow(/messages\[0\]\.role is "robot"/);
    expect(() => chatml.render([{ role: 'user', content: 3 } as unknown as ChatMessage])).toThrow(/messages\[0\]\.content must be a string/);
  });
});

describe('resolveChatTemplate', () => {
  const tokens = (...t: string[]): [string, GGUFValue] => ['tokenizer.ggml.tokens', gguf.arr(GGUFValueType.STRING, t)];

  it('uses the file template, with bos/eos texts from the vocabulary', () => {
    const f = ggufWith([
      ['general.architecture', gguf.str('qwen2')],
      ['tokenizer.chat_template', gguf.str('{{ bos_token }}{{ eos_token }}{{ messages[0].content }}')],
      tokens('<s>', '</s>', 'a'),
      ['tokenizer.ggml.bos_token_id', gguf.u32(0)],
      ['tokenizer.ggml.eos_token_id', gguf.u32(1)],
    ]);
    const r = resolveChatTemplate(f);
    expect(r.origin).toBe('file');
    expect(r.warning).toBeUndefined();
    expect(r.template.render([{ role: 'user', content: 'x' }])).toBe('<s></s>x');
    const tok = { bos: 2, eos: 2, tokenText: (id: number) => `#${id}` };
    expect(resolveChatTemplate(f, { tokenizer: tok }).template.bosToken).toBe('#2');
  });

  it('falls back to ChatML for qwen2 with a warning', () => {
    const r = resolveChatTemplate(ggufWith([['general.architecture', gguf.str('qwen2')]]));
    expect(r.origin).toBe('fallback-chatml');
    expect(r.warning).toMatch(/test\.gguf has no tokenizer\.chat_template; using ChatML \(qwen2 is ChatML-native/);
    expect(r.template.source).toBe(CHATML_TEMPLATE);
  });

  it('falls back to Llama-2 [INST] for llama, or ChatML when the vocab has <|im_start|>', () => {
    const plain = resolveChatTemplate(ggufWith([['general.architecture', gguf.str('llama')], tokens('<unk>', '<s>', '</s>')]));
    expect(plain.origin).toBe('fallback-llama2');
    expect(plain.warning).toMatch(/Llama-2 \[INST\]/);
    const chatmlLlama = resolveChatTemplate(ggufWith([['general.architecture', gguf.str('llama')], tokens('<s>', '<|im_start|>')]));
    expect(chatmlLlama.origin).toBe('fallback-chatml');
    expect(chatmlLlama.warning).toMatch(/<\|im_start\|>/);
    expect(resolveChatTemplate(ggufWith([['general.architecture', gguf.str('phi3')]])).warning).toMatch(/architecture 'phi3'/);
  });

  it('an override wins: built-in name or Jinja text; unknown names throw', () => {
    const f = ggufWith([['tokenizer.chat_template', gguf.str('file')]]);
    expect(resolveChatTemplate(f, { override: 'llama2' }).template.source).toBe(LLAMA2_TEMPLATE);
    expect(resolveChatTemplate(f, { override: '{{ "t" }}' }).template.render([])).toBe('t');
    expect(() => resolveChatTemplate(f, { override: 'vicuna' })).toThrow(/unknown chat template 'vicuna'/);
  });
});
