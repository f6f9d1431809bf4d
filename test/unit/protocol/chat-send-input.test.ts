import { expect, it } from 'vitest';
import { CHAT_MAX_LENGTH, ChatSendInput } from '@hawker/protocol';

it('accepts a message up to CHAT_MAX_LENGTH characters', () => {
  expect(ChatSendInput.parse({ roomId: 'r1', text: 'hello' })).toEqual({ roomId: 'r1', text: 'hello' });
  expect(ChatSendInput.parse({ roomId: 'r1', text: 'x'.repeat(CHAT_MAX_LENGTH) }).text).toHaveLength(CHAT_MAX_LENGTH);
});

it('strips control and invisible characters and trims, before checking the length', () => {
  expect(ChatSendInput.parse({ roomId: 'r1', text: '  hi\u0000\u200b there\u202e \n' }).text).toBe('hi there');
  // Padding made of invisible characters does not count against the limit.
  expect(ChatSendInput.parse({ roomId: 'r1', text: `${'x'.repeat(CHAT_MAX_LENGTH)}${'\u200b'.repeat(50)}` }).text).toHaveLength(
    CHAT_MAX_LENGTH,
  );
});

it.each([
  ['an empty text', { roomId: 'r1', text: '' }],
  ['only spaces and control characters', { roomId: 'r1', text: ' \u0007\u200b ' }],
  ['one character over the limit', { roomId: 'r1', text: 'x'.repeat(CHAT_MAX_LENGTH + 1) }],
  ['a text that is not a string', { roomId: 'r1', text: 42 }],
  ['no room', { text: 'hi' }],
  ['an extra field (a client cannot set its name or role)', { roomId: 'r1', text: 'hi', role: 'admin' }],
])('refuses %s', (_what, input) => {
  expect(ChatSendInput.safeParse(input).success).toBe(false);
});
