/**
 * The chat panel's messages ('chat.', lib/chat.ts), in the room, the creator studio and the console alike, its
 * moderation menu included.
 *
 * Both languages. Importing this module registers them with lib/i18n.ts, so every module that uses one of these keys
 * imports it itself (test/unit/web/i18n.test.ts checks): a page's bundle then carries exactly the messages its code
 * can show.
 */
import { registerMessages } from '../i18n.ts';

export const en = {
  'chat.placeholder': 'Say something…',
  'chat.label': 'Chat message',
  'chat.send': 'Send',
  'chat.empty': 'No messages yet. Say hi!',
  'chat.muted': 'You are muted in this chat until {time}. You can still watch and shop.',
  'chat.slow': 'Slow mode: one message every {s} s.',
  'chat.seconds': '{n} s',
  'chat.minutes': '{n} min',
  'chat.hours': '{n} h',
  'chat.days': '{n} d',
  'chat.modMenu': 'Actions for the message of {name}',
  'chat.modDelete': 'Delete',
  'chat.modMute': 'Mute',
  'chat.modMuteFor': 'Mute for',
  'chat.modBan': 'Ban',
  'chat.modBanConfirm': 'Tap again to ban',
  'chat.deleted': 'Message deleted',
  'chat.mutedFor': '{name} muted for {d}',
  'chat.banned': '{name} banned from this room; their messages were removed',
  'chat.shadowed': 'Shadow-blocked',
  'chat.shadowedHint': 'A shadow keyword caught this message: only its sender and staff see it.',
} as const;

export const zh: Record<keyof typeof en, string> = {
  'chat.placeholder': '说点什么…',
  'chat.label': '评论内容',
  'chat.send': '发送',
  'chat.empty': '还没有评论，来打个招呼吧！',
  'chat.muted': '你已被禁言至 {time}，仍可观看和购物。',
  'chat.slow': '慢速模式：每 {s} 秒可发一条。',
  'chat.seconds': '{n} 秒',
  'chat.minutes': '{n} 分钟',
  'chat.hours': '{n} 小时',
  'chat.days': '{n} 天',
  'chat.modMenu': '{name} 的评论的操作',
  'chat.modDelete': '删除',
  'chat.modMute': '禁言',
  'chat.modMuteFor': '禁言时长',
  'chat.modBan': '封禁',
  'chat.modBanConfirm': '再点一次确认封禁',
  'chat.deleted': '评论已删除',
  'chat.mutedFor': '已禁言 {name} {d}',
  'chat.banned': '已将 {name} 移出并封禁，其评论已删除',
  'chat.shadowed': '已隐藏',
  'chat.shadowedHint': '这条评论触发了隐藏关键词：只有发送者和工作人员能看到。',
};

registerMessages(en, zh);
