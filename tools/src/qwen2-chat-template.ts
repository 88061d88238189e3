// The template lives in realizar (a built-in `--chat-template qwen2.5`); the generator writes it as
// `tokenizer.chat_template`.
export { QWEN25_CHAT_TEMPLATE } from '@sovereign/realizar';
